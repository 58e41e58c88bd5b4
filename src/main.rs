use std::process::ExitCode;
use std::time::Duration;

use dealnest::config::{Cli, CliError, Command};
use dealnest::service::ServiceOptions;
use dealnest::{Server, auth::TokenKeys, domain::UserId, telemetry};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::read_from(std::env::args_os()) {
        Ok(cli) => run(cli).await,
        Err(CliError::Setting(error)) => Err(error.into()),
        // Help, the version, and usage mistakes, printed clap's way.
        Err(CliError::Clap(error)) => error.exit(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Migrate(args)) => migrate(args).await,
        Some(Command::Token(args)) => token(args),
        Some(Command::RequeueFailed(args)) => requeue_failed(args).await,
        Some(Command::Seed(args)) => seed(args).await,
    }
}

async fn serve(args: dealnest::config::ServeArgs) -> anyhow::Result<()> {
    let settings = args.settings()?;
    telemetry::init_logging(settings.log_format);
    let server = Server::start(settings).await?;
    let stop = server.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        stop.cancel();
    });
    server.wait().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(args: dealnest::config::DatabaseArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    let service = dealnest::open_service(&settings, &ServiceOptions::default()).await?;
    service.close().await;
    println!("migrations applied to {:?}", settings.url);
    Ok(())
}

async fn requeue_failed(args: dealnest::config::DatabaseArgs) -> anyhow::Result<()> {
    let settings = args.settings();
    let service = dealnest::open_service(&settings, &ServiceOptions::default()).await?;
    let requeued = service.delivery().requeue_failed().await;
    service.close().await;
    println!("{} notification(s) queued for delivery again", requeued?);
    Ok(())
}

async fn seed(args: dealnest::config::SeedArgs) -> anyhow::Result<()> {
    let settings = args.database.settings();
    let service = dealnest::open_service(&settings, &ServiceOptions::default()).await?;
    let plan = dealnest::seed::SeedPlan {
        users: args.users,
        requests: args.requests,
        partnerships: args.partnerships.unwrap_or(args.users * 3),
        hubs: args.hubs,
        hub_partners: args.hub_partners,
    };
    let started = std::time::Instant::now();
    let seeded = dealnest::seed::load(&service, plan).await;
    service.close().await;
    let seeded = seeded?;
    println!(
        "seeded {} users (ids {}..={}), {} pending requests, {} partnerships (and {} hubs with {} partners each) in {:.1} s",
        plan.users,
        seeded.first_user,
        seeded.last_user,
        plan.requests,
        plan.partnerships,
        plan.hubs,
        plan.hub_partners,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn token(args: dealnest::config::TokenArgs) -> anyhow::Result<()> {
    let secret = args.jwt_secret.filter(|s| !s.is_empty()).ok_or_else(|| {
        anyhow::anyhow!("DEALNEST_JWT_SECRET: not set; the server would not accept a token signed with anything else")
    })?;
    let user = UserId::parse(args.user).map_err(|_| anyhow::anyhow!("--user: {} is not a positive id", args.user))?;
    println!("{}", TokenKeys::new(secret.as_bytes()).issue(user, Duration::from_secs(args.hours.saturating_mul(3600))));
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
