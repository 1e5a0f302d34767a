//! The `archiplan` command line: the grammar ([`cli::args`]), one function per command
//! ([`cli::commands`]) and what it shows ([`cli::output`]); the work is the library's.

mod cli;

use clap::Parser;
use cli::args::{Cli, Command};
use cli::commands as cmd;
use cli::output::emit;

fn run(cli: Cli) -> archiplan::Result<i32> {
    match cli.command {
        Command::Completions(a) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "archiplan", &mut out);
            emit(&String::from_utf8_lossy(&out));
            Ok(archiplan::error::exit::OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| archiplan::Error::Internal(format!("man page: {e}")))?;
            emit(&String::from_utf8_lossy(&out));
            Ok(archiplan::error::exit::OK)
        }
        Command::Validate(a) => cmd::validate(a),
        Command::Network(a) => cmd::network(a),
        Command::Plan(a) => cmd::plan(a),
        Command::Check(a) => cmd::check(a),
        Command::Scenario(c) => cmd::scenario(c),
        Command::Sweep(a) => cmd::sweep(a),
        Command::Merge(a) => cmd::merge(a),
        Command::Compare(a) => cmd::compare(a),
        Command::Resilience(a) => cmd::resilience(a),
        Command::Render(a) => cmd::render(a),
        Command::Report(a) => cmd::report(a),
        Command::Generate(a) => cmd::generate_data(a),
        Command::Import(c) => cmd::import(c),
        Command::Solve(a) => cmd::solve(a),
        Command::Orlib(a) => cmd::orlib(a),
        Command::Bench(c) => cmd::bench(c),
    }
}

fn main() {
    let cli = Cli::parse();
    cli::output::init_log(cli.verbose);
    let code = match archiplan::limits::env_threads().and_then(|_| run(cli)) {
        Ok(code) => code,
        Err(e) => {
            archiplan::note!("archiplan: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every command says what it is in `--help`.
    #[test]
    fn every_argument_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "archiplan", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}
