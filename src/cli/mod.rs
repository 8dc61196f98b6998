//! The command line: parse arguments, open a session, and run the TUI or a one-shot command.

pub mod args;
pub mod check;
pub mod complete;
pub mod demo;
pub mod export;
pub mod get_any;
pub mod governed;
pub mod history;
pub mod lock;
pub mod logging;
pub mod nscache;
pub mod out;
pub mod output;
pub mod reap;
pub mod scope;
pub mod scripts;
pub mod session;
pub mod timeline;
pub mod watch;

use crate::blueprint::BlueprintSet;
use crate::config::{Paths, UserConfig};
use args::{Args, BlueprintsCommand, Command};
use scope::Unflagged;
use std::process::ExitCode;
use std::time::Duration;

/// Run the program; errors are printed by the caller.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut paths = Paths::discover();
    if let Some(f) = &args.log_file {
        paths.log_file = f.clone();
    }
    match &args.command {
        Some(Command::Blueprints { command }) => return blueprints(command, &paths),
        Some(Command::Completions { shell }) => {
            scripts::write_script(*shell, &mut std::io::stdout().lock())?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            scripts::write_man(&mut std::io::stdout().lock())?;
            return Ok(ExitCode::SUCCESS);
        }
        None => {
            // The TUI: logs must never reach the screen.
            logging::init(&paths.log_file)?;
        }
        Some(_) => {
            // One-shot commands log to the file too, if it can be opened.
            let _ = logging::init(&paths.log_file);
        }
    }
    let user = UserConfig::load(&paths.config_file)?;
    paths.timeline_db = timeline::db_path(args.timeline_db.as_deref(), &user, &paths, args.demo);
    match args.command {
        Some(
            ref cmd @ (Command::Lock { .. }
            | Command::Unlock { .. }
            | Command::Check { .. }
            | Command::Reap { .. }),
        ) => govern(cmd, &args, user, &paths).await,
        None => {
            let text = std::fs::read_to_string(&paths.config_file).unwrap_or_default();
            let file = paths.config_file.display().to_string();
            let rules = crate::rules::compile(&user.rules, &file, &text)?;
            let target = session::target(args.kubeconfig.as_deref(), args.demo, true)?;
            let demo = matches!(target, session::Target::Demo);
            if demo && args.timeline_db.is_none() {
                // The demo fleet (also when there is no kubeconfig) keeps its own timeline.
                paths.timeline_db = timeline::db_path(None, &user, &paths, true);
            }
            let timeline = user.timeline.clone();
            let flags = &args.scope;
            let s = session::open_scoped(target, &args.contexts, user, &paths, true, |b, k, n| {
                flags.resolve(Unflagged::AllNamespaces, None, b, k, n)
            })
            .await?;
            run_tui(s, demo, args.readonly, paths, rules, timeline).await
        }
        Some(Command::Get {
            ref blueprint,
            output,
            timeout,
        }) => {
            // A name no blueprint has: any resource the contexts serve (src/cli/get_any.rs).
            if let Some(code) = get_any::maybe(&args, blueprint, output, timeout, &paths).await? {
                return Ok(code);
            }
            let target = session::target(args.kubeconfig.as_deref(), args.demo, false)?;
            let flags = &args.scope;
            let mut s =
                session::open_scoped(target, &args.contexts, user, &paths, false, |b, k, n| {
                    flags.resolve(Unflagged::ContextNamespace, b.resolve(blueprint), b, k, n)
                })
                .await?;
            let Some(bp) = s.catalog.blueprints().resolve(blueprint) else {
                anyhow::bail!(
                    "unknown blueprint {blueprint:?}; known: {}",
                    s.catalog.blueprints().names().join(", ")
                );
            };
            let failed = s.wait_synced(Duration::from_secs(timeout)).await;
            out::text(output::render(&s.catalog, bp, output)?)?;
            for (ctx, kind, msg) in s.forbidden() {
                eprintln!("kubeatlas: context {ctx:?}: {kind} forbidden: {msg}");
            }
            // Requests the server refused as such (a selector it cannot parse): kubectl's words.
            let refused = s.refused();
            for (ctx, kind, msg) in &refused {
                eprintln!("kubeatlas: context {ctx:?}: {kind}: {msg}");
            }
            for (ctx, why) in &failed {
                eprintln!("kubeatlas: context {ctx:?}: {why}");
            }
            s.record_namespaces(&paths);
            s.fleet.shutdown().await;
            Ok(if failed.is_empty() && refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Contexts { timeout }) => {
            let target = session::target(args.kubeconfig.as_deref(), args.demo, false)?;
            let mut s = session::open(target, &args.contexts, user, &paths, false).await?;
            let failed = s.wait_synced(Duration::from_secs(timeout)).await;
            let bp = s
                .catalog
                .blueprints()
                .roles()
                .cluster
                .ok_or_else(|| anyhow::anyhow!("no cluster blueprint"))?;
            out::text(output::render(&s.catalog, bp, args::Format::Table)?)?;
            s.record_namespaces(&paths);
            s.fleet.shutdown().await;
            Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Export {
            format,
            output,
            timeout,
        }) => {
            let target = session::target(args.kubeconfig.as_deref(), args.demo, false)?;
            let s = session::open(target, &args.contexts, user, &paths, false).await?;
            export::run(s, format, output.as_deref(), Duration::from_secs(timeout)).await
        }
        Some(Command::Watch { rules }) => {
            if !rules {
                anyhow::bail!("watch: nothing to do; run `kubeatlas watch --rules`");
            }
            let rules = watch::load_rules(&paths, &user)?;
            let target = session::target(args.kubeconfig.as_deref(), args.demo, false)?;
            let s = session::open(target, &args.contexts, user, &paths, false).await?;
            watch::run(s, rules, args.readonly, &paths).await
        }
        Some(Command::Timeline {
            service,
            env,
            since,
            reached,
            limit,
            output,
        }) => {
            let q = timeline::Ask {
                service,
                env,
                since,
                reached,
                limit,
                contexts: args.contexts.clone(),
            };
            timeline::print(&paths.timeline_db, q, output).await
        }
        Some(Command::History {
            ref object,
            ref namespace,
            output,
        }) => history::history(&args, object, namespace.as_deref(), output, &paths).await,
        Some(Command::Undo {
            ref object,
            ref namespace,
            to_revision,
            yes,
        }) => {
            let ns = namespace.as_deref();
            history::undo(&args, object, ns, to_revision, yes, user, &paths).await
        }
        Some(Command::Blueprints { .. } | Command::Completions { .. } | Command::Man) => {
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `lock`, `unlock`, `check`, `reap` (src/cli/lock.rs, check.rs, reap.rs).
async fn govern(
    cmd: &Command,
    args: &Args,
    user: UserConfig,
    paths: &Paths,
) -> anyhow::Result<ExitCode> {
    let timeout = match cmd {
        Command::Lock { timeout, .. }
        | Command::Unlock { timeout, .. }
        | Command::Check { timeout, .. }
        | Command::Reap { timeout, .. } => Duration::from_secs(*timeout),
        _ => return Ok(ExitCode::SUCCESS),
    };
    let (mut s, failed) = governed::synced(
        args.kubeconfig.as_deref(),
        args.demo,
        &args.contexts,
        user,
        paths,
        timeout,
    )
    .await?;
    let ex = governed::executor(&s, args.readonly, paths);
    let clock = crate::govern::SystemClock;
    let code = match cmd {
        Command::Check {
            service,
            env,
            output,
            wait,
            ..
        } => check::run(&mut s, &clock, (service, env), *output, wait.as_deref()).await,
        Command::Lock {
            service,
            env,
            reason,
            duration,
            ..
        } => {
            let users = governed::users(&s);
            lock::lock(&s.catalog, &ex, &users, (service, env), reason, duration).await
        }
        Command::Unlock { service, env, .. } => lock::unlock(&s.catalog, &ex, (service, env)).await,
        Command::Reap {
            dry_run,
            yes,
            confirm,
            output,
            ..
        } => {
            for (ctx, why) in &failed {
                eprintln!("kubeatlas: context {ctx:?}: {why} (not reaped)");
            }
            let o = reap::Options {
                dry_run: *dry_run,
                yes: *yes,
                confirm,
                output: *output,
            };
            reap::run(&s.catalog, &ex, ex.now(), o).await
        }
        _ => ExitCode::SUCCESS,
    };
    governed::close(s).await;
    Ok(code)
}

fn blueprints(cmd: &BlueprintsCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    match cmd {
        BlueprintsCommand::Check { dir } => {
            let dir = dir.clone().unwrap_or_else(|| paths.blueprints_dir.clone());
            match crate::blueprint::check_dir(&dir) {
                Ok(lines) => {
                    for l in lines {
                        out::line(&l)?;
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        BlueprintsCommand::List => {
            let set = BlueprintSet::load(Some(&paths.blueprints_dir))?;
            for bp in set.all() {
                let kinds: Vec<String> = bp.spec.sources.iter().map(|s| s.gvk_string()).collect();
                out::line(format_args!(
                    "{:<16} {:<18} {}{}",
                    bp.spec.identifier,
                    bp.spec.plural.clone().unwrap_or_default(),
                    if bp.spec.hidden { "(hidden) " } else { "" },
                    kinds.join(", ")
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run_tui(
    s: session::Session,
    demo: bool,
    readonly: bool,
    paths: Paths,
    rules: Vec<crate::rules::Rule>,
    settings: crate::config::timeline::TimelineSettings,
) -> anyhow::Result<ExitCode> {
    let session::Session {
        catalog,
        changes,
        clients,
        fleet,
        demo: demo_fleet,
        user,
        kubeconfig,
        scope,
        ..
    } = s;
    // Namespace lists going by are kept for shell completion (written off the input loop).
    let changes = match catalog.blueprints().roles().namespace {
        Some(ns) => {
            let ids = (0..catalog.clusters().len()).map(|i| crate::catalog::ClusterId(i as u16));
            nscache::tee(
                changes,
                ns,
                catalog.clusters().iter().map(|c| c.name.clone()).collect(),
                ids.map(|id| scope.namespace_of(id).is_some()).collect(),
                paths.namespace_cache.clone(),
            )
        }
        None => changes,
    };
    // Each context's user name in the kubeconfig (who the user is if the server cannot say).
    let users = kubeconfig
        .kubeconfig
        .contexts
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.context.as_ref()?.user.clone()?)))
        .collect();
    // The one sender of mutating requests: the clients by context name, the read-only flag,
    // protected and read-only contexts from the config, and the audit log.
    let contexts = catalog.clusters().iter().map(|c| c.name.clone()).collect();
    let executor = crate::actions::Executor::new(
        contexts,
        clients.clone(),
        readonly,
        user,
        crate::actions::audit::AuditLog::new(paths.audit_log.clone()),
    );
    let timeline_settings = settings.enabled.then(|| crate::timeline::writer::Settings {
        path: paths.timeline_db.clone(),
        bounds: crate::timeline::store::Bounds {
            max_age_days: settings.max_age_days,
            max_entries: settings.max_entries,
        },
        audit_log: Some(paths.audit_log.clone()),
    });
    let catalog_len = catalog.clusters().len();
    let result = crate::tui::run(crate::tui::TuiInput {
        catalog,
        changes,
        clients,
        demo,
        log_file: paths.log_file.clone(),
        readonly,
        executor,
        users,
        rules,
        timeline: timeline_settings,
        namespaces: (0..catalog_len)
            .map(|i| {
                scope
                    .namespace_of(crate::catalog::ClusterId(i as u16))
                    .map(str::to_string)
            })
            .collect(),
    })
    .await;
    // Stop every watcher (and the demo simulator) before leaving.
    fleet.shutdown().await;
    if let Some(d) = demo_fleet {
        d.shutdown().await;
    }
    result.map(|()| ExitCode::SUCCESS)
}
