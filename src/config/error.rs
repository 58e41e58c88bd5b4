//! A refused setting, named by its environment variable.

use std::ffi::OsString;
use std::fmt;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::Cli;

/// A setting that could not be used: which variable, and why.
#[derive(Debug)]
pub struct ConfigError {
    /// The setting's environment variable.
    pub variable: String,
    /// The flag, when the value was given as one rather than in the variable.
    pub flag: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.flag {
            Some(flag) => write!(f, "{flag} ({}): {}", self.variable, self.message),
            None => write!(f, "{}: {}", self.variable, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub(super) fn new(variable: &str, message: impl Into<String>) -> Self {
        Self { variable: variable.to_owned(), flag: None, message: message.into() }
    }

    /// Clap's refusal of a setting's value, told the way people set it: by its variable.
    ///
    /// `None` for anything else, including a flag without a variable. The message is the value
    /// parser's own, so that a hidden value (a URL with a password) is never repeated.
    pub(super) fn from_clap(error: &clap::Error, args: &[OsString]) -> Option<Self> {
        if error.kind() != ErrorKind::ValueValidation {
            return None;
        }
        // Clap names the argument as it shows it (`--bind <BIND>`), so look it up that way.
        let Some(ContextValue::String(shown)) = error.get(ContextKind::InvalidArg) else { return None };
        let mut command = Cli::command();
        command.build();
        let arg = find_arg(&command, shown)?;
        let variable = arg.get_env()?.to_string_lossy().into_owned();
        let message = std::error::Error::source(error)?.to_string();
        // Clap reads the variable only when the flag is absent.
        let flag = arg.get_long().map(|long| format!("--{long}")).filter(|flag| given(args, flag));
        Some(Self { variable, flag, message })
    }
}

/// The argument clap shows as `shown`, in `command` or any of its subcommands.
fn find_arg<'a>(command: &'a clap::Command, shown: &str) -> Option<&'a clap::Arg> {
    command
        .get_arguments()
        .find(|arg| arg.to_string() == shown)
        .or_else(|| command.get_subcommands().find_map(|sub| find_arg(sub, shown)))
}

/// Whether `flag` is on the command line, as `--flag value` or `--flag=value`.
fn given(args: &[OsString], flag: &str) -> bool {
    args.iter()
        .filter_map(|arg| arg.to_str())
        .any(|arg| arg.strip_prefix(flag).is_some_and(|rest| rest.is_empty() || rest.starts_with('=')))
}
