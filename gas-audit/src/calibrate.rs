//! Calibration of the gas schedule against time (not written yet).
