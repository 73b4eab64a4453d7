//! Names as people read them: Rust symbol names demangled.
//!
//! A contract built with symbols keeps a name section whose function names
//! are Rust's mangled symbols (`_ZN8mistakes7Scratch5share17h02db…E`, or
//! the v0 scheme's `_RNv…`). Everything that shows a rejection to a person
//! (the deploy error, the CLI, the SDK's test harness) goes through
//! [`RejectionDisplay`], which prints the [`Rejection`]'s message with the
//! function's name demangled and without its hash
//! (`mistakes::Scratch::share`). Names that are not Rust symbols are shown
//! as they are. The rejection itself (what tools match on) is unchanged.

use std::fmt;

use gasworks_vm::Rejection;

/// A Rust symbol demangled without its hash; any other name as it is.
pub fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => name.to_string(),
    }
}

/// Displays a [`Rejection`]'s message (its `Display`, not its `Debug`),
/// with the function's name demangled: `rejection_display(&r).to_string()`.
pub fn rejection_display(rejection: &Rejection) -> RejectionDisplay<'_> {
    RejectionDisplay(rejection)
}

/// See [`rejection_display`].
#[derive(Debug, Clone, Copy)]
pub struct RejectionDisplay<'a>(pub &'a Rejection);

impl fmt::Display for RejectionDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rejection = self.0;
        let name = rejection.function.as_ref().and_then(|f| f.name.as_deref());
        match name {
            Some(name) if demangle(name) != name => {
                let mut shown = rejection.clone();
                if let Some(function) = shown.function.as_mut() {
                    function.name = Some(demangle(name));
                }
                fmt::Display::fmt(&shown, f)
            }
            _ => fmt::Display::fmt(rejection, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use gasworks_vm::instrument::{FunctionRef, Rule};

    use super::*;

    #[test]
    fn legacy_and_v0_symbols_are_demangled_without_their_hash() {
        assert_eq!(
            demangle("_ZN8mistakes7Scratch5share17h02db8f1ad3e1b2c4E"),
            "mistakes::Scratch::share"
        );
        assert_eq!(demangle("_RNvCs123_8mistakes5share"), "mistakes::share");
        assert_eq!(demangle("execute"), "execute");
        assert_eq!(demangle("dlmalloc"), "dlmalloc");
    }

    #[test]
    fn a_rejection_shows_its_message_with_the_name_demangled() {
        let rejection = Rejection {
            rule: Rule::StartFunction,
            offset: 0x2a,
            function: Some(FunctionRef {
                index: 20,
                name: Some("_ZN8mistakes7Scratch5share17h02db8f1ad3e1b2c4E".into()),
            }),
        };
        let shown = rejection_display(&rejection).to_string();
        assert!(
            shown.starts_with("function \"mistakes::Scratch::share\" (#20) has a start function"),
            "{shown}"
        );
        let plain = Rejection {
            function: Some(FunctionRef {
                index: 3,
                name: Some("execute".into()),
            }),
            ..rejection.clone()
        };
        assert_eq!(rejection_display(&plain).to_string(), plain.to_string());
    }
}
