//! The reference engine in a process of its own, so that no failure of it
//! can take the differential harness down.
//!
//! wasmi can fail in ways that are no panic: on some modules its threaded
//! dispatch loses a tail call and its native stack grows with every
//! instruction until the thread overflows, which aborts the whole process
//! (see `tests/differential/wasmi-bugs/README.md`). So the seed test drives
//! wasmi in a child process: this same test binary, started with
//! [`SERVER_ENV`] set to run only the ignored test [`SERVER_TEST`], which
//! calls [`serve`]. The child runs the [`InProcess`] reference (its panics
//! caught) and answers one request at a time over its standard input and
//! output; [`ReferenceProcess`] is the parent's side and implements
//! [`Reference`].
//!
//! - A panic in wasmi: answered as [`FailureKind::Panicked`] with its
//!   message and location; the child lives on.
//! - The child dies (a signal, an abort): [`FailureKind::Crashed`] with its
//!   exit status and the end of its standard error; the next module starts
//!   a new child.
//! - No answer within the timeout: the child is killed, and the failure is
//!   [`FailureKind::TimedOut`].
//!
//! # Protocol
//!
//! Frames, each a little-endian `u32` length and that many bytes, after the
//! child has written [`READY`] to its standard output (the test runner
//! writes its own lines before it). Requests: load (0; globals, module),
//! call (1; the call), memory (2). Answers: loaded (0), called (1; outcome
//! and state), memory (2; bytes), failed (3; a panic's message).

use std::collections::VecDeque;
use std::io::{self, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use gasworks_vm::trap::TrapKind;

use crate::harness::{
    Call, Digest, FailureKind, InProcess, Loaded, Outcome, Reference, ReferenceFailure, State,
    Stop, Val,
};

/// Set (to anything) in the child's environment.
pub const SERVER_ENV: &str = "GASWORKS_DIFFERENTIAL_REFERENCE_SERVER";

/// The (ignored) test of this binary that serves as the child.
pub const SERVER_TEST: &str = "wasmi_reference_process";

/// Written by the child before its first frame.
pub const READY: &[u8] = b"\n\0gasworks-differential-reference-ready\0\n";

/// How long the parent waits for one answer by default. One call is
/// bounded by its gas limit (at most a few million gas: milliseconds); a
/// minute means the reference is stuck.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Bytes of the child's standard error kept for a crash report.
const STDERR_TAIL: usize = 2048;

// ===========================================================================
// Encoding
// ===========================================================================

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, x: u8) -> &mut Self {
        self.0.push(x);
        self
    }
    fn u32(&mut self, x: u32) -> &mut Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    fn u64(&mut self, x: u64) -> &mut Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.u32(u32::try_from(bytes.len()).expect("frames stay below 4 GiB"));
        self.0.extend_from_slice(bytes);
        self
    }
    fn val(&mut self, value: &Val) -> &mut Self {
        match *value {
            Val::I32(x) => self.u8(0).u32(x as u32),
            Val::I64(x) => self.u8(1).u64(x as u64),
            Val::FuncRef { null } => self.u8(2).u8(null.into()),
            Val::ExternRef { null } => self.u8(3).u8(null.into()),
            Val::Unexpected => self.u8(4),
        }
    }
    fn stop(&mut self, stop: &Stop) -> &mut Self {
        match stop {
            Stop::Trap(kind) => self.u8(0).u64(kind.code()),
            Stop::Unclassified(what) => self.u8(1).bytes(what.as_bytes()),
        }
    }
    fn outcome(&mut self, outcome: &Outcome) -> &mut Self {
        match &outcome.result {
            Ok(values) => {
                self.u8(0).u32(values.len() as u32);
                values.iter().for_each(|v| {
                    self.val(v);
                });
            }
            Err(stop) => {
                self.u8(1).stop(stop);
            }
        }
        self.u64(outcome.gas_used)
    }
    fn state(&mut self, state: &State) -> &mut Self {
        self.u32(state.globals.len() as u32);
        for global in &state.globals {
            match global {
                Some(value) => self.u8(1).val(value),
                None => self.u8(0),
            };
        }
        self.u64(state.memory.len).u64(state.memory.hash)
    }
    fn call(&mut self, call: &Call) -> &mut Self {
        self.bytes(call.export.as_bytes())
            .u32(call.args.len() as u32);
        call.args.iter().for_each(|v| {
            self.val(v);
        });
        self.u64(call.gas_limit)
    }
}

/// Reads what [`Writer`] wrote; a malformed frame is a harness bug.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        assert!(self.0.len() >= n, "reference protocol: frame too short");
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
    fn bytes(&mut self) -> Vec<u8> {
        let len = self.u32() as usize;
        self.take(len).to_vec()
    }
    fn string(&mut self) -> String {
        String::from_utf8(self.bytes()).expect("reference protocol: a string is UTF-8")
    }
    fn val(&mut self) -> Val {
        match self.u8() {
            0 => Val::I32(self.u32() as i32),
            1 => Val::I64(self.u64() as i64),
            2 => Val::FuncRef {
                null: self.u8() != 0,
            },
            3 => Val::ExternRef {
                null: self.u8() != 0,
            },
            4 => Val::Unexpected,
            tag => panic!("reference protocol: value tag {tag}"),
        }
    }
    fn stop(&mut self) -> Stop {
        match self.u8() {
            0 => {
                let code = self.u64();
                Stop::Trap(TrapKind::from_code(code).expect("reference protocol: a trap code"))
            }
            1 => Stop::Unclassified(self.string()),
            tag => panic!("reference protocol: stop tag {tag}"),
        }
    }
    fn outcome(&mut self) -> Outcome {
        let result = match self.u8() {
            0 => Ok((0..self.u32()).map(|_| self.val()).collect()),
            _ => Err(self.stop()),
        };
        Outcome {
            result,
            gas_used: self.u64(),
        }
    }
    fn state(&mut self) -> State {
        let globals = (0..self.u32())
            .map(|_| (self.u8() != 0).then(|| self.val()))
            .collect();
        State {
            globals,
            memory: Digest {
                len: self.u64(),
                hash: self.u64(),
            },
        }
    }
    fn call(&mut self) -> Call {
        Call {
            export: self.string(),
            args: (0..self.u32()).map(|_| self.val()).collect(),
            gas_limit: self.u64(),
        }
    }
}

fn write_frame(output: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    let len = u32::try_from(frame.len()).map_err(io::Error::other)?;
    output.write_all(&len.to_le_bytes())?;
    output.write_all(frame)?;
    output.flush()
}

/// The next frame, or `None` at the end of the stream.
fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut frame = vec![0u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut frame)?;
    Ok(Some(frame))
}

// ===========================================================================
// The child
// ===========================================================================

/// The last panic's message and location, recorded by the child's hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Serves requests from `input` on wasmi in this process until `input`
/// ends. Panics are answered, not printed: the hook records them.
///
/// # Errors
///
/// When `input` or `output` fails.
pub fn serve(input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
    std::panic::set_hook(Box::new(|info| {
        let message = crate::harness::panic_message(info.payload());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(format!("{message}{location}"));
    }));
    output.write_all(READY)?;
    output.flush()?;
    let mut reference = InProcess::default();
    while let Some(frame) = read_frame(input)? {
        let mut request = Reader(&frame);
        let mut answer = Writer::default();
        let result = match request.u8() {
            0 => {
                let globals = request.u32();
                let wasm = request.bytes();
                reference.load(&wasm, globals).map(|loaded| {
                    answer.u8(0);
                    match &loaded {
                        Loaded::Ready(state) => answer.u8(0).state(state),
                        Loaded::NotCompiled(what) => answer.u8(1).bytes(what.as_bytes()),
                        Loaded::InstantiationStopped(stop) => answer.u8(2).stop(stop),
                    };
                })
            }
            1 => reference.call(&request.call()).map(|(outcome, state)| {
                answer.u8(1).outcome(&outcome).state(&state);
            }),
            2 => reference.memory().map(|memory| {
                answer.u8(2).bytes(&memory);
            }),
            tag => panic!("reference protocol: request tag {tag}"),
        };
        if let Err(failure) = result {
            let recorded = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
            answer = Writer::default();
            answer
                .u8(3)
                .bytes(recorded.unwrap_or(failure.what).as_bytes());
        }
        write_frame(output, &answer.0)?;
    }
    Ok(())
}

// ===========================================================================
// The parent
// ===========================================================================

/// A running child.
struct Running {
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::Receiver<Vec<u8>>,
    stdout_reader: JoinHandle<()>,
    stderr_reader: JoinHandle<()>,
    stderr_tail: Arc<Mutex<VecDeque<u8>>>,
}

impl Running {
    fn start() -> io::Result<Running> {
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "--ignored",
                "--exact",
                SERVER_TEST,
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SERVER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let (sender, answers) = mpsc::channel();
        let stdout_reader = std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            // Skip the test runner's lines up to the marker.
            let mut seen: VecDeque<u8> = VecDeque::with_capacity(READY.len());
            let mut byte = [0u8; 1];
            while !seen.iter().eq(READY.iter()) {
                if stdout.read_exact(&mut byte).is_err() {
                    return;
                }
                if seen.len() == READY.len() {
                    seen.pop_front();
                }
                seen.push_back(byte[0]);
            }
            while let Ok(Some(frame)) = read_frame(&mut stdout) {
                if sender.send(frame).is_err() {
                    return;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buffer) {
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                tail.extend(&buffer[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        });
        Ok(Running {
            child,
            stdin,
            answers,
            stdout_reader,
            stderr_reader,
            stderr_tail,
        })
    }

    /// Waits for the child's end and describes it: exit status and the
    /// end of its standard error.
    fn finish(mut self) -> String {
        drop(self.stdin);
        let status = self.child.wait();
        let _ = self.stdout_reader.join();
        let _ = self.stderr_reader.join();
        let tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect::<Vec<u8>>();
        let tail = String::from_utf8_lossy(&tail);
        let status = match status {
            Ok(status) => describe(status),
            Err(e) => format!("unknown exit ({e})"),
        };
        format!("{status}; its standard error ends {:?}", tail.trim_end())
    }
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => {
            let name = match signal {
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                _ => "",
            };
            format!("killed by signal {signal}{name}")
        }
        (None, None) => format!("{status}"),
    }
}

/// wasmi in a child process (see the module documentation).
pub struct ReferenceProcess {
    running: Option<Running>,
    timeout: Duration,
    /// Children started so far.
    pub started: u64,
}

impl Default for ReferenceProcess {
    fn default() -> Self {
        ReferenceProcess::with_timeout(DEFAULT_TIMEOUT)
    }
}

impl ReferenceProcess {
    /// A reference that waits `timeout` for each answer.
    pub fn with_timeout(timeout: Duration) -> ReferenceProcess {
        ReferenceProcess {
            running: None,
            timeout,
            started: 0,
        }
    }

    /// Sends `request` and returns the answer, or how the child failed.
    fn exchange(&mut self, request: &Writer) -> Result<Vec<u8>, ReferenceFailure> {
        if self.running.is_none() {
            let running = Running::start().map_err(|e| {
                ReferenceFailure::new(FailureKind::Crashed, format!("could not start: {e}"))
            })?;
            self.started += 1;
            self.running = Some(running);
        }
        let running = self.running.as_mut().expect("started above");
        // A write error means the child is gone: the receiver says so.
        let _ = write_frame(&mut running.stdin, &request.0);
        match running.answers.recv_timeout(self.timeout) {
            Ok(answer) => Ok(answer),
            Err(RecvTimeoutError::Timeout) => {
                let mut running = self.running.take().expect("running");
                let _ = running.child.kill();
                let end = running.finish();
                Err(ReferenceFailure::new(
                    FailureKind::TimedOut,
                    format!("no answer within {:?}, killed: {end}", self.timeout),
                ))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let end = self.running.take().expect("running").finish();
                Err(ReferenceFailure::new(
                    FailureKind::Crashed,
                    format!("the reference process {end}"),
                ))
            }
        }
    }

    /// Sends `request`; a failed answer (3) is a panic in the child.
    fn answer(&mut self, request: &Writer, expected: u8) -> Result<Vec<u8>, ReferenceFailure> {
        let answer = self.exchange(request)?;
        let mut reader = Reader(&answer);
        match reader.u8() {
            3 => Err(ReferenceFailure::new(
                FailureKind::Panicked,
                reader.string(),
            )),
            tag => {
                assert_eq!(tag, expected, "reference protocol: answer tag");
                Ok(answer[1..].to_vec())
            }
        }
    }
}

impl Reference for ReferenceProcess {
    fn load(&mut self, wasm: &[u8], globals: u32) -> Result<Loaded, ReferenceFailure> {
        let mut request = Writer::default();
        request.u8(0).u32(globals).bytes(wasm);
        let answer = self.answer(&request, 0)?;
        let mut reader = Reader(&answer);
        Ok(match reader.u8() {
            0 => Loaded::Ready(reader.state()),
            1 => Loaded::NotCompiled(reader.string()),
            _ => Loaded::InstantiationStopped(reader.stop()),
        })
    }

    fn call(&mut self, call: &Call) -> Result<(Outcome, State), ReferenceFailure> {
        let mut request = Writer::default();
        request.u8(1).call(call);
        let answer = self.answer(&request, 1)?;
        let mut reader = Reader(&answer);
        Ok((reader.outcome(), reader.state()))
    }

    fn memory(&mut self) -> Result<Vec<u8>, ReferenceFailure> {
        let mut request = Writer::default();
        request.u8(2);
        let answer = self.answer(&request, 2)?;
        Ok(Reader(&answer).bytes())
    }
}

impl Drop for ReferenceProcess {
    fn drop(&mut self) {
        // The end of its input ends the child.
        if let Some(running) = self.running.take() {
            let _ = running.finish();
        }
    }
}
