//! The library's error type, with the process exit code each kind maps to.

use crate::diagnostics::InvalidData;
use std::path::PathBuf;

/// Exit codes of the command-line tool (a contract: scripts rely on them).
pub mod exit {
    pub const OK: i32 = 0;
    pub const INTERNAL: i32 = 1;
    pub const INVALID_INPUT: i32 = 2;
    pub const INFEASIBLE: i32 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input data set has errors (all of them are listed).
    #[error("{0}")]
    InvalidData(#[from] InvalidData),
    /// A bad argument or option value.
    #[error("{0}")]
    Usage(String),
    /// A well-formed problem without a feasible plan; the text explains why.
    #[error("no feasible plan: {0}")]
    Infeasible(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidData(_) | Error::Usage(_) => exit::INVALID_INPUT,
            Error::Infeasible(_) => exit::INFEASIBLE,
            // A path the user gave that is missing, forbidden or of the wrong kind is their
            // input to fix; a full disk or a failing device is not.
            Error::Io { source, .. } if is_bad_path(source) => exit::INVALID_INPUT,
            Error::Io { .. } | Error::Internal(_) => exit::INTERNAL,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

fn is_bad_path(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        NotFound
            | PermissionDenied
            | NotADirectory
            | IsADirectory
            | ReadOnlyFilesystem
            | AlreadyExists
    )
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
