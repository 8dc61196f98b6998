//! The state machine: `update(app, catalog, msg) -> effects`. Pure apart from the effects it
//! returns, so every key binding is unit-testable against a catalog built in memory.

use super::act;
use super::app::{App, Mode, Overlay, Page, Prompt};
use super::command::{self, Command};
use super::logs;
use super::msg::{Effect, Msg, Reply};
use super::table::Sort;
use super::view::{self, RowKey, Scope, View};
use super::yaml::{Content, YamlView};
use crate::catalog::Catalog;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Fold one message into the state; return what must be done outside.
pub fn update(app: &mut App, cat: &Catalog, msg: Msg) -> Vec<Effect> {
    let effects = match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Msg::Key(k) => {
            app.dirty = true;
            key(app, cat, k)
        }
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            app.dirty = true;
            vec![]
        }
        Msg::Catalog => vec![],
        Msg::EffectDone(Reply::Access {
            context,
            user,
            answers,
        }) => act::access::answered(app, cat, context, user, answers),
        Msg::EffectDone(r) => {
            reply(app, cat, r);
            vec![]
        }
        Msg::Tick { now } => {
            app.now = now;
            app.frame = app.frame.wrapping_add(1);
            app.dirty = true;
            vec![]
        }
    };
    if act::rollout::refresh(&mut app.rollouts, cat, app.now) {
        app.dirty = true;
    }
    app.refresh(cat);
    effects
}

fn reply(app: &mut App, cat: &Catalog, r: Reply) {
    match r {
        Reply::Yaml { entity, result } => {
            let Some(Overlay::Yaml(y)) = &mut app.overlay else {
                return;
            };
            if y.entity != entity {
                return;
            }
            match result {
                Ok(text) => y.set_text(&text),
                Err(e) => {
                    y.content = Content::Failed(e.clone());
                    app.tell(e, true);
                }
            }
            app.dirty = true;
        }
        Reply::Acted {
            batch,
            entity,
            outcome,
        } => {
            act::access::after(app, cat, &entity, &outcome);
            act::acted_reply(app, cat, batch, entity, outcome)
        }
        Reply::LogLines { view, lines } => logs::lines(app, view, lines),
        Reply::LogEnd {
            view,
            stream,
            error,
        } => logs::ended(app, view, stream, error),
        Reply::Done { message, error } => app.tell(message, error),
        // Answered in `update` (it may go on with an action key).
        Reply::Access { .. } => {}
    }
}

fn ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

fn key(app: &mut App, cat: &Catalog, k: KeyEvent) -> Vec<Effect> {
    if ctrl(&k, 'c') {
        app.quit = true;
        return vec![Effect::Quit];
    }
    match app.overlay.take() {
        Some(Overlay::Help) => return vec![], // any key closes the help
        Some(Overlay::Yaml(mut y)) => {
            let keep = yaml_key(app, &mut y, k);
            if keep {
                app.overlay = Some(Overlay::Yaml(y));
            }
            return vec![];
        }
        Some(Overlay::Dialog(d)) => return act::dialog_key(app, d, k),
        None => {}
    }
    if app.logs.is_some() {
        return logs::key(app, k);
    }
    match app.mode.clone() {
        Mode::Command(p) => command_key(app, cat, p, k),
        Mode::Filter => {
            filter_key(app, cat, k);
            vec![]
        }
        Mode::Normal => normal_key(app, cat, k),
    }
}

/// Keys of the YAML viewer; false closes it.
fn yaml_key(app: &App, y: &mut YamlView, k: KeyEvent) -> bool {
    let height = app.height.saturating_sub(4).max(1) as usize;
    if y.typing {
        match k.code {
            KeyCode::Enter => y.typing = false,
            KeyCode::Esc => {
                y.typing = false;
                y.search.clear();
                y.research();
            }
            KeyCode::Backspace => {
                y.search.pop();
                y.research();
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                y.search.push(c);
                y.research();
            }
            _ => {}
        }
        return true;
    }
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            if !y.search.is_empty() && k.code == KeyCode::Esc {
                y.search.clear();
                y.research();
                return true;
            }
            return false;
        }
        KeyCode::Char('j') | KeyCode::Down => y.scroll_by(1, height),
        KeyCode::Char('k') | KeyCode::Up => y.scroll_by(-1, height),
        KeyCode::PageDown | KeyCode::Char(' ') => y.scroll_by(height as isize, height),
        KeyCode::PageUp => y.scroll_by(-(height as isize), height),
        KeyCode::Char('f') if ctrl(&k, 'f') => y.scroll_by(height as isize, height),
        KeyCode::Char('b') if ctrl(&k, 'b') => y.scroll_by(-(height as isize), height),
        KeyCode::Char('g') | KeyCode::Home => y.scroll = 0,
        KeyCode::Char('G') | KeyCode::End => y.scroll_by(isize::MAX / 2, height),
        KeyCode::Char('/') => {
            y.typing = true;
            y.search.clear();
            y.research();
        }
        KeyCode::Char('n') => y.step(true),
        KeyCode::Char('N') => y.step(false),
        _ => {}
    }
    true
}

fn command_key(app: &mut App, cat: &Catalog, mut p: Prompt, k: KeyEvent) -> Vec<Effect> {
    match k.code {
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            return run_command(app, cat, p.input.trim());
        }
        KeyCode::Tab | KeyCode::BackTab => {
            let back = k.code == KeyCode::BackTab;
            match &mut p.completion {
                Some((cands, i)) if !cands.is_empty() => {
                    let n = cands.len();
                    *i = if back { (*i + n - 1) % n } else { (*i + 1) % n };
                    p.input = cands[*i].clone();
                }
                _ => {
                    let cands = command::completions(cat, &p.input);
                    if let Some(first) = cands.first() {
                        p.input = first.clone();
                        p.completion = Some((cands, 0));
                    }
                }
            }
            app.mode = Mode::Command(p);
        }
        KeyCode::Backspace => {
            if p.input.pop().is_none() {
                app.mode = Mode::Normal;
            } else {
                p.completion = None;
                app.mode = Mode::Command(p);
            }
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            // A space after a completed word accepts it and starts the argument.
            p.input.push(c);
            p.completion = None;
            app.mode = Mode::Command(p);
        }
        _ => app.mode = Mode::Command(p),
    }
    vec![]
}

/// Run a `:` command.
pub fn run_command(app: &mut App, cat: &Catalog, input: &str) -> Vec<Effect> {
    if input.is_empty() {
        return vec![];
    }
    if input == "crash-test" && app.crash_test {
        panic!("crash test requested with :crash-test");
    }
    match command::parse(cat, input) {
        Ok(Command::Quit) => {
            app.quit = true;
            vec![Effect::Quit]
        }
        Ok(Command::Help) => {
            app.overlay = Some(Overlay::Help);
            vec![]
        }
        Ok(Command::Fleet) => {
            app.stack.truncate(1);
            app.refresh(cat);
            vec![]
        }
        Ok(Command::Matrix) => {
            open_top(app, cat, View::Matrix);
            vec![]
        }
        Ok(Command::List { bp, scope }) => {
            open_top(app, cat, View::List { bp, scope });
            vec![]
        }
        Err(e) => {
            app.tell(e, true);
            vec![]
        }
    }
}

/// Open a top-level view above the fleet: Esc goes back to the fleet.
fn open_top(app: &mut App, cat: &Catalog, view: View) {
    app.stack.truncate(1);
    if app.stack[0].view == view {
        app.refresh(cat);
        return;
    }
    app.push(Page::new(view), cat);
}

fn filter_key(app: &mut App, cat: &Catalog, k: KeyEvent) {
    let height = app.list_height();
    let width = app.width.saturating_sub(2) as usize;
    let page = app.page_mut();
    match k.code {
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Esc => {
            page.filter.clear();
            app.mode = Mode::Normal;
        }
        KeyCode::Backspace if page.filter.pop().is_none() => app.mode = Mode::Normal,
        KeyCode::Backspace => {}
        KeyCode::Down => move_by(page, 1, height, width),
        KeyCode::Up => move_by(page, -1, height, width),
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            page.filter.push(c);
            // A new pattern starts at its best (first) match.
            page.index = 0;
            page.selected = None;
        }
        _ => {}
    }
    app.refresh(cat);
}

fn move_by(page: &mut Page, delta: isize, height: usize, width: usize) {
    if let View::Detail { .. } = page.view {
        let max = page
            .cache
            .detail
            .as_ref()
            .map_or(0, |d| d.height(width).saturating_sub(height));
        page.scroll = page.scroll.saturating_add_signed(delta).min(max);
        return;
    }
    let p = page.index.saturating_add_signed(delta);
    page.select(p);
    page.follow(height);
}

fn normal_key(app: &mut App, cat: &Catalog, k: KeyEvent) -> Vec<Effect> {
    let height = app.list_height();
    let width = app.width.saturating_sub(2) as usize;
    let page_rows = height.saturating_sub(1).max(1) as isize;
    if ctrl(&k, 'f') {
        move_by(app.page_mut(), page_rows, height, width);
        return vec![];
    }
    if ctrl(&k, 'b') {
        move_by(app.page_mut(), -page_rows, height, width);
        return vec![];
    }
    let is_matrix = app.page().view == View::Matrix;
    if let Some(kind) = act::key_action(&k, is_matrix) {
        return act::start(app, cat, kind);
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![];
    }
    let is_detail = matches!(app.page().view, View::Detail { .. });
    match k.code {
        KeyCode::Char('q') => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        KeyCode::Char(':') => app.mode = Mode::Command(Prompt::default()),
        KeyCode::Char('/') if !is_detail => app.mode = Mode::Filter,
        KeyCode::Char('?') => {
            app.overlay = Some(Overlay::Help);
            let kinds = act::offered(app, cat);
            return act::access::prefetch(app, cat, &kinds);
        }
        KeyCode::Esc => {
            if !app.page().filter.is_empty() {
                app.page_mut().filter.clear();
            } else {
                app.pop(cat);
            }
        }
        KeyCode::Char('j') | KeyCode::Down => move_by(app.page_mut(), 1, height, width),
        KeyCode::Char('k') | KeyCode::Up => move_by(app.page_mut(), -1, height, width),
        KeyCode::PageDown => move_by(app.page_mut(), page_rows, height, width),
        KeyCode::PageUp => move_by(app.page_mut(), -page_rows, height, width),
        KeyCode::Char('g') | KeyCode::Home => {
            move_by(app.page_mut(), isize::MIN / 2, height, width)
        }
        KeyCode::Char('G') | KeyCode::End => move_by(app.page_mut(), isize::MAX / 2, height, width),
        KeyCode::Char('h') | KeyCode::Left if is_matrix => {
            let p = app.page_mut();
            p.column = p.column.saturating_sub(1);
        }
        KeyCode::Char('l') | KeyCode::Right if is_matrix => {
            let p = app.page_mut();
            p.column = (p.column + 1).min(p.cache.envs.len().saturating_sub(1));
        }
        KeyCode::Char('>') => sort_step(app.page_mut(), true),
        KeyCode::Char('<') => sort_step(app.page_mut(), false),
        KeyCode::Char('!') => {
            let p = app.page_mut();
            let s = p.sort.unwrap_or(Sort {
                column: sort_default(p),
                reverse: false,
            });
            p.sort = Some(Sort {
                reverse: !s.reverse,
                ..s
            });
        }
        KeyCode::Enter => drill(app, cat),
        KeyCode::Char('d') => {
            if let Some(RowKey::Entity(e)) = app.page().selected_key().cloned() {
                app.push(Page::new(View::Detail { entity: e }), cat);
            }
        }
        KeyCode::Char('y') => return yaml(app, cat),
        KeyCode::Char('x') if !app.rollouts.is_empty() => {
            app.rollouts.clear();
            app.tell("rollout lines dismissed", false);
        }
        KeyCode::Char('0') => widen(app, cat),
        KeyCode::Char('m') if !is_matrix => open_top(app, cat, View::Matrix),
        KeyCode::Tab | KeyCode::BackTab => {
            if is_matrix {
                app.stack.truncate(1);
                if app.stack[0].view != View::Fleet {
                    app.stack[0] = Page::new(View::Fleet);
                }
                app.refresh(cat);
            } else {
                open_top(app, cat, View::Matrix);
            }
        }
        _ => {}
    }
    vec![]
}

/// The column a fresh sort starts from: NAME (the service in the matrix).
fn sort_default(p: &Page) -> usize {
    p.cache
        .table
        .columns
        .iter()
        .position(|c| c.title == "NAME" || c.title == "SERVICE")
        .unwrap_or(0)
}

/// Move the sort column right (or left), wrapping through "natural order".
fn sort_step(p: &mut Page, forward: bool) {
    let n = p.cache.table.columns.len();
    if n == 0 {
        return;
    }
    p.sort = match (p.sort, forward) {
        (None, true) => Some(Sort {
            column: 0,
            reverse: false,
        }),
        (None, false) => Some(Sort {
            column: n - 1,
            reverse: false,
        }),
        (Some(s), true) if s.column + 1 < n => Some(Sort {
            column: s.column + 1,
            ..s
        }),
        (Some(s), false) if s.column > 0 => Some(Sort {
            column: s.column - 1,
            ..s
        }),
        _ => None,
    };
}

/// Enter: one level down from the selected row.
fn drill(app: &mut App, cat: &Catalog) {
    let page = app.page();
    if page.view == View::Matrix {
        return drill_matrix(app, cat);
    }
    let Some(key) = page.selected_key().cloned() else {
        return;
    };
    let parent_bp = match &key {
        RowKey::Cluster(_) => view::cluster_blueprint(cat),
        RowKey::Entity(e) => Some(e.bp),
        RowKey::Service(_) => None,
    };
    let child = parent_bp.and_then(|b| view::drill_child(cat, b));
    match (child, &key) {
        (Some(child), _) => {
            if let Some(scope) = view::child_scope(cat, child, &key) {
                app.push(Page::new(View::List { bp: child, scope }), cat);
            }
        }
        (None, RowKey::Entity(e)) if !matches!(page.view, View::Detail { .. }) => {
            app.push(Page::new(View::Detail { entity: e.clone() }), cat);
        }
        _ => {}
    }
}

/// Enter on a matrix cell: the workloads view of the cell's namespace with its workload
/// selected, and when the cell has exactly one workload, the pods of it on top.
fn drill_matrix(app: &mut App, cat: &Catalog) {
    let page = app.page();
    let Some(RowKey::Service(svc)) = page.selected_key().cloned() else {
        return;
    };
    let Some(env) = page.cache.envs.get(page.column).cloned() else {
        return;
    };
    let Some(rs) = cat.running_service(&svc, &env) else {
        app.tell(format!("{svc} does not run in {env}"), false);
        return;
    };
    let Some(first) = rs.workloads.first().cloned() else {
        return;
    };
    let Some(record) = cat.get(&first) else {
        return;
    };
    let scope = match &record.namespace {
        Some(ns) => Scope::Namespace(first.cluster, ns.clone()),
        None => Scope::Cluster(first.cluster),
    };
    let list = View::List {
        bp: first.bp,
        scope,
    };
    app.push(
        Page::with_selected(list, RowKey::Entity(first.clone())),
        cat,
    );
    if rs.workloads.len() == 1 {
        let key = RowKey::Entity(first.clone());
        if let Some(child) = view::drill_child(cat, first.bp)
            && let Some(scope) = view::child_scope(cat, child, &key)
        {
            app.push(Page::new(View::List { bp: child, scope }), cat);
        }
    } else {
        app.tell(
            format!("{svc} in {env}: {} workloads", rs.workloads.len()),
            false,
        );
    }
}

/// `0`: the same list across every cluster, selection kept.
fn widen(app: &mut App, cat: &Catalog) {
    let page = app.page_mut();
    let View::List { bp, scope } = &page.view else {
        return;
    };
    if *scope == Scope::All {
        return;
    }
    page.view = View::List {
        bp: *bp,
        scope: Scope::All,
    };
    page.cache = Default::default();
    app.refresh(cat);
}

/// `y`: open the YAML viewer and ask for the object.
fn yaml(app: &mut App, cat: &Catalog) -> Vec<Effect> {
    let page = app.page();
    let entity = match &page.view {
        View::Detail { entity } => entity.clone(),
        _ => match page.selected_key() {
            Some(RowKey::Entity(e)) => e.clone(),
            _ => return vec![],
        },
    };
    let Some(target) = crate::actions::ObjectAddress::of(cat, &entity) else {
        app.tell("that entity is gone from the catalog", true);
        return vec![];
    };
    let ctx = cat.cluster(entity.cluster).map_or("", |c| c.name.as_str());
    let title = match &target.namespace {
        Some(ns) => format!("{} {ns}/{} ({ctx})", target.kind, target.name),
        None => format!("{} {} ({ctx})", target.kind, target.name),
    };
    app.overlay = Some(Overlay::Yaml(YamlView::loading(entity.clone(), title)));
    vec![Effect::FetchYaml { entity, target }]
}
