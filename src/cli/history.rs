//! `kubeatlas history KIND/NAME` and `kubeatlas undo KIND/NAME`: `kubectl rollout history` and
//! `kubectl rollout undo` for one object in one context, with no watchers started. KIND is
//! resolved through the blueprints (a source's kind, plural or `shortNames`: `deployment/x`,
//! `deploy/x`, `sts/x`, `ds/x`); undo goes through the access review, the confirmation (the
//! name typed in a protected context, unless `--yes`) and the one executor (read-only refusal,
//! audit line), like every action.

use super::args::{Args, Format};
use super::output::age;
use super::session;
use crate::actions::access::{self, Attributes, Verdict};
use crate::actions::history::{self, History};
use crate::actions::{Action, ObjectAddress, Target};
use crate::blueprint::{BlueprintSet, BpId};
use crate::catalog::ClusterId;
use crate::cli::out;
use crate::config::{Paths, UserConfig, kubeconfig};
use crate::fleet::{ClientSet, build_client};
use anyhow::{Context as _, bail};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// What `history`/`undo` act on.
pub struct Addressed {
    pub target: Target,
    pub client: kube::Client,
    /// Keeps the demo fleet alive (`--demo`).
    _demo: Option<super::demo::Demo>,
}

/// The blueprint source of `kind` (kind, plural, `kind.group`, or a short name; any case).
pub fn resolve_kind(set: &BlueprintSet, kind: &str) -> Option<(BpId, usize)> {
    let k = kind.to_lowercase();
    set.sources()
        .find(|(_, _, s)| {
            let gvk = kube::api::GroupVersionKind::gvk(&s.group, &s.version, &s.kind);
            let plural = s
                .plural
                .clone()
                .unwrap_or_else(|| kube::api::ApiResource::from_gvk(&gvk).plural);
            let lower = s.kind.to_lowercase();
            let mut names = vec![lower.clone(), plural.clone()];
            if !s.group.is_empty() {
                names.push(format!("{lower}.{}", s.group));
                names.push(format!("{plural}.{}", s.group));
            }
            names.extend(s.short_names.iter().map(|n| n.to_lowercase()));
            names.contains(&k)
        })
        .map(|(bp, i, _)| (bp, i))
}

/// Connect to the one context and address `KIND/NAME` in `namespace`.
pub async fn address(
    args: &Args,
    object: &str,
    namespace: Option<&str>,
    paths: &Paths,
) -> anyhow::Result<Addressed> {
    let Some((kind, name)) = object
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty())
    else {
        bail!("{object:?}: expected KIND/NAME, e.g. deployment/checkout-api or sts/postgres");
    };
    let set = BlueprintSet::load(Some(&paths.blueprints_dir))?;
    let Some((bp, source)) = resolve_kind(&set, kind) else {
        bail!("{kind:?}: no blueprint reads this kind (kubeatlas blueprints list)");
    };
    let blueprint = set.get(bp);
    let src = &blueprint.spec.sources[source];
    let Some(rule) = blueprint.history(source) else {
        bail!(
            "no history viewer has been implemented for {:?} (its blueprint source has no `history:`)",
            src.kind
        );
    };
    let demo = match session::target(args.kubeconfig.as_deref(), args.demo, false)? {
        session::Target::Demo => Some(
            super::demo::Demo::start()
                .await
                .context("starting the demo fleet")?,
        ),
        session::Target::Files(_) => None,
    };
    let files = match &demo {
        Some(d) => vec![d.kubeconfig.clone()],
        None => match kubeconfig::locate(args.kubeconfig.as_deref()) {
            crate::config::Located::Files(f) => f,
            crate::config::Located::Nothing => bail!("no kubeconfig found"),
        },
    };
    let loaded = kubeconfig::load(&files)?;
    let context = match args.contexts.as_slice() {
        [one] => one.clone(),
        [] => match &loaded.kubeconfig.current_context {
            Some(c) if !c.is_empty() => c.clone(),
            _ => bail!("no current context in the kubeconfig: pass --context NAME"),
        },
        _ => bail!("history and undo act on one context: pass one --context"),
    };
    loaded.select(std::slice::from_ref(&context))?;
    let ns = namespace.map(str::to_string).unwrap_or_else(|| {
        loaded
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref()?.namespace.clone())
            .unwrap_or_else(|| "default".into())
    });
    let config = loaded.client_config(&context, false).await?;
    let client = build_client(config)
        .await
        .with_context(|| format!("context {context:?}"))?;
    let gvk = kube::api::GroupVersionKind::gvk(&src.group, &src.version, &src.kind);
    let object = ObjectAddress {
        cluster: ClusterId(0),
        context,
        group: src.group.clone(),
        version: src.version.clone(),
        kind: src.kind.clone(),
        plural: src
            .plural
            .clone()
            .unwrap_or_else(|| kube::api::ApiResource::from_gvk(&gvk).plural),
        namespace: (!src.cluster_scoped).then_some(ns),
        name: name.to_string(),
        uid: String::new(),
    };
    let target = Target {
        object,
        rules: blueprint.source_actions(source).into(),
        paused: false,
        history: Some(Arc::new(rule.clone())),
        lock: None,
        lock_override: false,
    };
    Ok(Addressed {
        target,
        client,
        _demo: demo,
    })
}

/// `deployment.apps/checkout-api`, as kubectl names an object.
fn kubectl_name(t: &ObjectAddress) -> String {
    let kind = t.kind.to_lowercase();
    if t.group.is_empty() {
        format!("{kind}/{}", t.name)
    } else {
        format!("{kind}.{}/{}", t.group, t.name)
    }
}

/// The history as a table (kubectl's REVISION and CHANGE-CAUSE, with more columns).
pub fn render_table(t: &ObjectAddress, h: &History, now: i64) -> String {
    let mut out = format!("{}\n", kubectl_name(t));
    if h.revisions.is_empty() {
        out.push_str("No rollout history found.\n");
        return out;
    }
    let rows: Vec<[String; 5]> = h
        .revisions
        .iter()
        .map(|r| {
            [
                format!("{}{}", r.revision, if r.current { " *" } else { "" }),
                r.created.map(|c| age(now - c)).unwrap_or("-".into()),
                r.replicas.map(|n| n.to_string()).unwrap_or("-".into()),
                r.images.join(","),
                r.change_cause.clone().unwrap_or("<none>".into()),
            ]
        })
        .collect();
    let head = ["REVISION", "AGE", "REPLICAS", "IMAGES", "CHANGE-CAUSE"];
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i < 4 {
                l.push_str(&format!("{c:<w$}  ", w = widths[i]));
            } else {
                l.push_str(c);
            }
        }
        l.trim_end().to_string() + "\n"
    };
    out.push_str(&line(head));
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

/// `kubeatlas history KIND/NAME`.
pub async fn history(
    args: &Args,
    object: &str,
    namespace: Option<&str>,
    output: Format,
    paths: &Paths,
) -> anyhow::Result<ExitCode> {
    let a = address(args, object, namespace, paths).await?;
    let Some(rule) = &a.target.history else {
        bail!("no history");
    };
    let h = history::fetch(&a.client, &a.target, rule).await?;
    let now = jiff::Timestamp::now().as_second();
    let doc = || {
        serde_json::json!({
            "context": a.target.context,
            "namespace": a.target.namespace,
            "kind": a.target.kind,
            "name": a.target.name,
            "revisions": h.revisions,
        })
    };
    match output {
        Format::Table => out::text(render_table(&a.target, &h, now))?,
        Format::Json => out::line(serde_json::to_string_pretty(&doc())?)?,
        Format::Yaml => out::text(serde_yaml::to_string(&doc())?)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Ask the server whether the undo's request is permitted (`kubectl auth can-i`).
async fn permitted(client: &kube::Client, t: &Target, a: &Action) -> Result<(), String> {
    let Some(attrs) = Attributes::of_action(t, a) else {
        return Ok(());
    };
    let answer = history::request_json(
        client,
        http::Method::POST,
        access::REVIEW_PATH,
        Some(&access::review_body(&attrs)),
    )
    .await;
    // No answer (no such API): the server decides when the patch is sent.
    match answer.map(|v| access::parse_review(&v)) {
        Ok(Ok(Verdict::Denied { reason })) => {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            };
            Err(format!(
                "undo: not permitted — you may not {}{why}; nothing was sent",
                attrs.describe()
            ))
        }
        _ => Ok(()),
    }
}

/// Ask on the terminal; in a protected context the name must be typed.
fn confirm(t: &Target, a: &Action, protected: bool) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("undo: stdin is not a terminal; pass --yes to confirm");
    }
    let mut err = std::io::stderr();
    if protected {
        write!(
            err,
            "{}: {} in protected context {}. Type the name ({}) to confirm: ",
            t.what(),
            a.describe(),
            t.context,
            t.name
        )?;
    } else {
        write!(err, "{}: {}? [y/N] ", t.describe(), a.describe())?;
    }
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim();
    Ok(if protected {
        line == t.name
    } else {
        matches!(line, "y" | "Y" | "yes")
    })
}

/// `kubeatlas undo KIND/NAME [--to-revision N] [--yes]`.
pub async fn undo(
    args: &Args,
    object: &str,
    namespace: Option<&str>,
    to_revision: i64,
    yes: bool,
    user: UserConfig,
    paths: &Paths,
) -> anyhow::Result<ExitCode> {
    let mut a = address(args, object, namespace, paths).await?;
    let action = Action::Undo { to_revision };
    let clients = ClientSet::new(1);
    clients.set(ClusterId(0), a.client.clone());
    let executor = crate::actions::Executor::new(
        vec![a.target.context.clone()],
        clients,
        args.readonly,
        user,
        crate::actions::audit::AuditLog::new(paths.audit_log.clone()),
    );
    // The uid, for the audit line (kubectl's rollbacker reads the object first too), and its
    // lock: the executor refuses an undo of a locked workload, from here as from the TUI.
    if let Ok(v) = history::request_json(&a.client, http::Method::GET, &a.target.path(), None).await
    {
        a.target.uid = v["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        a.target.lock = v["metadata"]["annotations"][crate::govern::LOCK_KEY]
            .as_str()
            .map(Box::from);
    }
    if !executor.is_readonly(&a.target.context) {
        if let Err(why) = permitted(&a.client, &a.target, &action).await {
            eprintln!("kubeatlas: {why}");
            return Ok(ExitCode::from(1));
        }
        if !yes && !confirm(&a.target, &action, executor.is_protected(&a.target.context))? {
            eprintln!("kubeatlas: undo cancelled, nothing was sent");
            return Ok(ExitCode::from(1));
        }
    }
    match executor.act(&a.target, &action).await {
        Ok(done) => {
            out::line(&done.message)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kubeatlas: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
