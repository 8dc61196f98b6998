//! The event loop: input, catalog changes, effect replies and timers in one `select!`; the
//! catalog is folded at most once per frame, the screen drawn only when something visible
//! changed, and nothing here awaits the network.

use super::TuiInput;
use super::app::App;
use super::app::update;
use super::effects::Runner;
use super::msg::{Effect, Msg};
use super::render;
use super::terminal::{self, Term};
use super::theme::Theme;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Shortest time between two frames (~30 fps).
pub const FRAME: Duration = Duration::from_millis(33);
/// Changes folded per loop turn before input gets a chance again.
const DRAIN_LIMIT: usize = 20_000;
/// Time the change timeline's recorder may take per frame on this task.
const RECORD_BUDGET: Duration = Duration::from_millis(4);
/// One slice of building rows ahead ([`App::warm`]): the longest a key waits for it.
const WARM_SLICE: Duration = Duration::from_millis(4);
/// Batches of log lines in flight to the loop before the streams wait.
const LOG_QUEUE: usize = 64;

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Run the TUI until the user quits. The terminal is restored on every way out.
pub async fn run(input: TuiInput) -> anyhow::Result<()> {
    let mut term = terminal::setup(&input.log_file)?;
    let result = event_loop(&mut term, input).await;
    terminal::restore();
    result
}

/// Hand the effects to the runner (`Quit` was already folded into the state by `update`).
fn apply_effects(runner: &mut Runner, effects: Vec<Effect>) {
    for e in effects {
        if !matches!(e, Effect::Quit) {
            runner.run(e);
        }
    }
}

async fn event_loop(term: &mut Term, input: TuiInput) -> anyhow::Result<()> {
    let TuiInput {
        mut catalog,
        mut changes,
        clients,
        demo,
        log_file: _,
        readonly,
        executor,
        users,
        rules,
        timeline,
        namespaces,
    } = input;
    // Degrade rules: evaluated once a second, only when the config file has some.
    let (mut rules, mut rule_events) =
        match super::alerts::Rules::new(rules, executor.clone(), clients.clone()) {
            Some((r, rx)) => (Some(r), Some(rx)),
            None => (None, None),
        };
    let mut rules_tick = tokio::time::interval(Duration::from_secs(1));
    rules_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let app = App::new(Theme::from_env(), demo, readonly, now_secs())
        .with_policy(super::act::policy::Policy::of(&executor))
        .with_access(users)
        .with_namespaces(namespaces.clone());
    #[cfg(any(test, feature = "test-support"))]
    let app = app.with_crash_test(std::env::var("KUBEATLAS_CRASH_TEST").is_ok_and(|v| v == "1"));
    let mut app = app;
    // A big view opened before its rows were built ahead is built in slices: a key never
    // waits for a whole projection.
    app.slice_opens(true);
    let size = term.size()?;
    update(&mut app, &catalog, Msg::Resize(size.width, size.height));
    let (reply_tx, mut replies) = mpsc::unbounded_channel::<Msg>();
    let (log_tx, mut log_lines) = mpsc::channel::<Msg>(LOG_QUEUE);
    // The change timeline: its store on its own thread (a file that cannot be used says so
    // in the status line), the recorder here, on the catalog's owner, once per frame.
    let timeline = timeline.map(|settings| {
        let tx = reply_tx.clone();
        crate::timeline::Timeline::start(settings, move |n| {
            let _ = tx.send(Msg::EffectDone(super::Reply::Done {
                message: n.message,
                error: n.error,
            }));
        })
    });
    let mut recorder = crate::timeline::Recorder::new(&catalog);
    let (session_tx, mut sessions) = mpsc::unbounded_channel::<super::shell::Handover>();
    let mut runner = Runner::new(clients, executor, reply_tx, log_tx);
    runner.set_metrics_namespaces(namespaces);
    runner.set_sessions(session_tx);
    if let Some(t) = &timeline {
        runner.set_timeline(t.clone());
    }
    let mut events = EventStream::new();
    let crash = terminal::crash_signal();
    let mut changes_open = true;
    let mut catalog_pending = true;
    let mut last_frame: Option<Instant> = None;
    let mut frame_cost = Duration::ZERO;
    let mut tick_at: Option<Instant> = None;
    let mut shell: Option<super::shell::Handover> = None;

    loop {
        // A shell connected: the terminal is its until it ends; keys are read again after.
        if let Some(h) = shell.take() {
            drop(events);
            let label = h.session.label.clone();
            let ended = super::shell::hand_over(term, h.session).await;
            events = EventStream::new();
            let outcome = crate::actions::Outcome {
                ok: ended.is_exit(),
                message: format!("shell in {label} {}", ended.describe()),
                generation: None,
            };
            let reply = super::Reply::Acted {
                batch: h.batch,
                entity: h.entity,
                outcome,
            };
            update(&mut app, &catalog, Msg::Clock { now: now_secs() });
            let fx = update(&mut app, &catalog, Msg::EffectDone(reply));
            apply_effects(&mut runner, fx);
            let size = term.size()?;
            update(&mut app, &catalog, Msg::Resize(size.width, size.height));
            term.autoresize()?;
        }
        // A frame at most every FRAME, and never more than a quarter of the time spent on
        // frames when the catalog is huge and busy.
        let gap = FRAME.max(frame_cost * 3);
        let due = last_frame.is_none_or(|t| t.elapsed() >= gap);
        if due && (catalog_pending || app.dirty()) {
            let t0 = Instant::now();
            if catalog_pending {
                catalog_pending = false;
                // Rollouts note when they finished: the clock must be current.
                update(&mut app, &catalog, Msg::Clock { now: now_secs() });
                let fx = update(&mut app, &catalog, Msg::Catalog);
                apply_effects(&mut runner, fx);
                if let Some(t) = &timeline {
                    let entries =
                        recorder.observe_within(&catalog, now_secs(), Some(RECORD_BUDGET));
                    app.recorded(&entries);
                    t.record(entries);
                    // A first look at a big fleet goes on next frame.
                    catalog_pending |= recorder.behind();
                }
            }
            if app.dirty() {
                // Ages on screen are computed against the clock of the frame.
                update(&mut app, &catalog, Msg::Clock { now: now_secs() });
                term.draw(|f| render::draw(f, &app))?;
                app.drawn();
            }
            frame_cost = t0.elapsed();
            last_frame = Some(Instant::now());
        }
        if app.quit() {
            break;
        }
        let draw_at = (catalog_pending || app.dirty())
            .then(|| last_frame.map_or_else(Instant::now, |t| t + gap));
        tick_at = match app.next_tick(&catalog) {
            Some(d) => {
                let t = Instant::now() + d;
                Some(tick_at.map_or(t, |old| old.min(t)))
            }
            None => None,
        };
        tokio::select! {
            biased;
            _ = crash.notified() => anyhow::bail!("crashed (see the log)"),
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => {
                    let fx = update(&mut app, &catalog, Msg::Key(k));
                    apply_effects(&mut runner, fx);
                }
                Some(Ok(Event::Resize(w, h))) => {
                    update(&mut app, &catalog, Msg::Resize(w, h));
                    // The terminal's own buffers are resized by the next draw.
                    term.autoresize()?;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(h) = sessions.recv() => shell = Some(h),
            Some(m) = replies.recv() => {
                update(&mut app, &catalog, Msg::Clock { now: now_secs() });
                let fx = update(&mut app, &catalog, m);
                apply_effects(&mut runner, fx);
            }
            c = changes.recv(), if changes_open => match c {
                Some(c) => {
                    let mut moved = catalog.apply(c);
                    let mut n = 1;
                    while n < DRAIN_LIMIT {
                        match changes.try_recv() {
                            Ok(c) => moved |= catalog.apply(c),
                            Err(_) => break,
                        }
                        n += 1;
                    }
                    catalog_pending |= moved;
                }
                None => changes_open = false,
            },
            // After input and catalog changes: a chatty log never starves them.
            Some(m) = log_lines.recv() => {
                let fx = update(&mut app, &catalog, m);
                apply_effects(&mut runner, fx);
            }
            _ = sleep_until(draw_at), if draw_at.is_some() => {}
            _ = rules_tick.tick(), if rules.is_some() => {
                if let Some(r) = rules.as_mut() {
                    let firings = r.tick(&catalog, jiff::Timestamp::now().as_millisecond());
                    // Each firing goes into the change timeline beside the change it names.
                    if let Some(t) = timeline.as_ref().filter(|_| !firings.is_empty()) {
                        let entries = firings
                            .iter()
                            .flat_map(|f| crate::timeline::firing::entries(&catalog, f))
                            .collect();
                        t.record(entries);
                    }
                }
            }
            Some(v) = recv_rule(&mut rule_events), if rule_events.is_some() => {
                update(&mut app, &catalog, Msg::Alert(v));
            }
            _ = sleep_until(tick_at), if tick_at.is_some() => {
                tick_at = None;
                update(&mut app, &catalog, Msg::Tick { now: now_secs() });
            }
            // Last, when nothing else is ready: build the biggest views' rows ahead, one
            // slice at a time (a key waits at most one slice).
            _ = std::future::ready(()), if app.warming(&catalog) => {
                app.warm(&catalog, Instant::now() + WARM_SLICE);
            }
        }
    }
    drop(runner);
    Ok(())
}

/// The next rule event, when rules run.
async fn recv_rule(
    rx: &mut Option<mpsc::UnboundedReceiver<serde_json::Value>>,
) -> Option<serde_json::Value> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(t: Option<Instant>) {
    if let Some(t) = t {
        tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await;
    }
}
