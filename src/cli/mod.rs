//! The command line, private to the binary: clap definitions, per-command glue, output.

pub mod args;
pub mod commands;
pub mod output;
