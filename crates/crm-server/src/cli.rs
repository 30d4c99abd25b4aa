//! The command line scripts and tests rely on (exactly these commands and flags):
//! `crm-server serve --db F --addr A [--dist D]` and
//! `crm-server user add --db F --org O --email E --password P --role R [--team T]`.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand, ValueEnum};
use crm_core::wire::Role;

use crate::{config::Config, db::Db, serve};

/// crm-server: the sync server and app host of the field-sales CRM.
#[derive(Debug, Parser)]
#[command(name = "crm-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (and the built app) until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Manage users.
    User {
        /// The user command.
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// `serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// SQLite database file (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long)]
    pub addr: SocketAddr,
    /// Directory of the built app, served for every non-API path.
    #[arg(long)]
    pub dist: Option<PathBuf>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (creating the organisation if new), or update an existing user's
    /// password, role and team.
    Add(UserAddArgs),
}

/// `user add` flags.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// SQLite database file (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// Organisation name.
    #[arg(long)]
    pub org: String,
    /// Login e-mail address.
    #[arg(long)]
    pub email: String,
    /// Password (stored as an argon2 hash).
    #[arg(long)]
    pub password: String,
    /// Visibility role.
    #[arg(long, value_enum)]
    pub role: CliRole,
    /// Team name (for managers' visibility).
    #[arg(long)]
    pub team: Option<String>,
}

/// `--role` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliRole {
    /// Sees own customers.
    Rep,
    /// Sees the team's customers.
    Manager,
    /// Sees the whole organisation.
    Admin,
}

impl From<CliRole> for Role {
    fn from(r: CliRole) -> Role {
        match r {
            CliRole::Rep => Role::Rep,
            CliRole::Manager => Role::Manager,
            CliRole::Admin => Role::Admin,
        }
    }
}

/// Runs a parsed command line; the exit code says whether it worked.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(args) => {
            serve::run_blocking(&args.db, args.addr, Config::from_env(args.dist))
        }
        Command::User {
            command: UserCommand::Add(a),
        } => Db::open(&a.db)
            .and_then(|db| {
                db.add_user(
                    &a.org,
                    &a.email,
                    &a.password,
                    a.role.into(),
                    a.team.as_deref(),
                )
            })
            .map(|user| {
                println!(
                    "user {} ({}) in organisation {:?}",
                    a.email,
                    user.role.as_str(),
                    a.org
                )
            })
            .map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm-server: {e}");
            ExitCode::FAILURE
        }
    }
}
