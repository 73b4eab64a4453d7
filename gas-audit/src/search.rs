//! Adversarial search for underpriced programs (not written yet).
