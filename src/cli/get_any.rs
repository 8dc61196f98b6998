//! `kubeatlas get RESOURCE` for any resource the contexts serve, not only blueprints
//! (`get svc -A`, `get databases.example.com`): the name resolved through each context's
//! discovery as kubectl resolves it, the objects listed with the columns the server prints
//! (Table form, `kubectl get`'s tab layout) under a CONTEXT column, or `-o json|yaml`. No
//! watcher is started. Secrets are read as metadata only (their values are never fetched).

use super::args::{Args, Format};
use super::scope::Unflagged;
use super::session;
use crate::blueprint::BlueprintSet;
use crate::catalog::ClusterId;
use crate::config::{Paths, kubeconfig};
use crate::fleet::build_client;
use crate::fleet::discovery::{self, ApiResourceInfo};
use crate::fleet::table::{self, Column, Selectors, Table};
use anyhow::Context as _;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

/// kubectl's tab layout: a cell is at least this wide, padding included.
const MIN_WIDTH: usize = 6;
/// Spaces after each cell but the last.
const PADDING: usize = 3;

/// `Accept` of a metadata-only list.
const ACCEPT_METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// What one context answered.
struct Answer {
    context: String,
    namespace: Option<String>,
    result: Result<(ApiResourceInfo, Listed), Why>,
}

/// Why a context printed nothing.
#[derive(Debug, thiserror::Error)]
enum Why {
    /// The context does not serve the resource (its CRD is not installed there).
    #[error("the server doesn't have a resource type {0:?}")]
    NotServed(String),
    #[error("{0}")]
    Failed(String),
}

enum Listed {
    Table(Table),
    Objects(Vec<Value>),
}

/// Lines laid out as kubectl's tabwriter does (minimum width 6, padding 3; the last cell
/// unpadded).
pub fn tabulate(lines: &[Vec<String>]) -> String {
    let n = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0usize; n];
    for l in lines {
        for (w, c) in width.iter_mut().zip(l) {
            *w = (*w).max((c.chars().count() + PADDING).max(MIN_WIDTH));
        }
    }
    let mut out = String::new();
    for l in lines {
        let mut line = String::new();
        for (i, c) in l.iter().enumerate() {
            if i + 1 == l.len() {
                line.push_str(c);
            } else {
                let pad = width[i].saturating_sub(c.chars().count());
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The table `get` prints: CONTEXT, NAMESPACE (when a context read every namespace of a
/// namespaced resource), then the server's priority-0 columns, upper-cased as kubectl does.
pub fn render_table(answers: &[(String, bool, Vec<Column>, Vec<table::Row>)]) -> String {
    let namespaced = answers.iter().any(|(_, ns, _, _)| *ns);
    let mut names: Vec<String> = vec![];
    for (_, _, cols, _) in answers {
        for c in cols.iter().filter(|c| c.priority == 0) {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    let mut header = vec!["CONTEXT".to_string()];
    if namespaced {
        header.push("NAMESPACE".into());
    }
    header.extend(names.iter().map(|n| n.to_uppercase()));
    let mut lines = vec![header];
    for (ctx, _, cols, rows) in answers {
        for r in rows {
            let mut l = vec![ctx.clone()];
            if namespaced {
                l.push(r.namespace.clone().unwrap_or_default());
            }
            for n in &names {
                let cell = cols
                    .iter()
                    .position(|c| &c.name == n)
                    .and_then(|i| r.cells.get(i).cloned())
                    .unwrap_or_default();
                l.push(cell);
            }
            lines.push(l);
        }
    }
    tabulate(&lines)
}

/// LIST every object whole (or, for Secrets, metadata only), all pages.
async fn objects(
    client: &kube::Client,
    res: &ApiResourceInfo,
    namespace: Option<&str>,
    sel: &Selectors,
) -> Result<Vec<Value>, String> {
    let accept = if res.values_never_fetched() {
        ACCEPT_METADATA_LIST
    } else {
        "application/json"
    };
    let mut out = vec![];
    let mut page: Option<String> = None;
    loop {
        let uri = format!(
            "{}?{}",
            res.collection_path(namespace),
            table::query(sel, page.as_deref(), None)
        );
        let req = http::Request::get(uri)
            .header(http::header::ACCEPT, accept)
            .body(vec![])
            .map_err(|e| e.to_string())?;
        let doc = client
            .request::<Value>(req)
            .await
            .map_err(|e| crate::fleet::status::classify(&e).message().to_string())?;
        for mut item in doc
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            if let Some(m) = item.as_object_mut() {
                m.entry("apiVersion")
                    .or_insert_with(|| res.api_version().into());
                m.entry("kind").or_insert_with(|| res.kind.clone().into());
            }
            crate::tui::yaml::sanitize(&mut item);
            out.push(item);
        }
        match doc.pointer("/metadata/continue").and_then(Value::as_str) {
            Some(c) if !c.is_empty() => page = Some(c.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One context: discover, resolve the name, list.
async fn one(
    config: Result<kube::Config, crate::config::ContextError>,
    name: &str,
    namespace: Option<&str>,
    sel: &Selectors,
    output: Format,
) -> Result<(ApiResourceInfo, Listed), Why> {
    let failed = |e: String| Why::Failed(e);
    let config = config.map_err(|e| failed(e.to_string()))?;
    let client = build_client(config)
        .await
        .map_err(|f| failed(f.to_string()))?;
    let found = discovery::discover(&client)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let Some(res) = found.resolve(name).filter(|r| r.listable()).cloned() else {
        return Err(Why::NotServed(name.to_string()));
    };
    let listed = match output {
        Format::Table => Listed::Table(
            table::list(&client, &res, namespace, sel)
                .await
                .map_err(|e| failed(e.to_string()))?,
        ),
        Format::Json | Format::Yaml => Listed::Objects(
            objects(&client, &res, namespace, sel)
                .await
                .map_err(failed)?,
        ),
    };
    Ok((res, listed))
}

/// `get NAME` when NAME is no blueprint; `None` when it is one (the caller goes on).
pub async fn maybe(
    args: &Args,
    name: &str,
    output: Format,
    timeout: u64,
    paths: &Paths,
) -> anyhow::Result<Option<ExitCode>> {
    let blueprints = BlueprintSet::load(Some(&paths.blueprints_dir))?;
    if blueprints.resolve(name).is_some() {
        return Ok(None);
    }
    let target = session::target(args.kubeconfig.as_deref(), args.demo, false)?;
    let demo = match target {
        session::Target::Demo => Some(
            super::demo::Demo::start()
                .await
                .context("starting the demo fleet")?,
        ),
        session::Target::Files(_) => None,
    };
    let files = match (&demo, target) {
        (Some(d), _) => vec![d.kubeconfig.clone()],
        (None, session::Target::Files(f)) => f,
        (None, session::Target::Demo) => vec![],
    };
    let loaded = kubeconfig::load(&files)?;
    let names = loaded.select(&args.contexts)?;
    let scope = args.scope.resolve(
        Unflagged::ContextNamespace,
        None,
        &blueprints,
        &loaded,
        &names,
    );
    let sel = Selectors {
        labels: args.scope.selector.clone(),
        fields: args.scope.field_selector.clone(),
    };
    let mut asks = vec![];
    for (i, ctx) in names.iter().enumerate() {
        let ns = scope.namespace_of(ClusterId(i as u16)).map(str::to_string);
        let config = loaded.client_config(ctx, false).await;
        let sel = sel.clone();
        let ctx = ctx.clone();
        asks.push(async move {
            let result = tokio::time::timeout(
                Duration::from_secs(timeout),
                one(config, name, ns.as_deref(), &sel, output),
            )
            .await
            .unwrap_or_else(|_| Err(Why::Failed(format!("no answer within {timeout} s"))));
            Answer {
                context: ctx,
                namespace: ns,
                result,
            }
        });
    }
    let answers = futures::future::join_all(asks).await;
    let code = print(name, output, &answers)?;
    if let Some(d) = demo {
        d.shutdown().await;
    }
    Ok(Some(code))
}

/// Print what the contexts answered; failures go to stderr, named by context.
fn print(name: &str, output: Format, answers: &[Answer]) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    let mut served = false;
    let mut tables = vec![];
    let mut items = vec![];
    for a in answers {
        match &a.result {
            Err(e) => {
                failed |= matches!(e, Why::Failed(_));
                eprintln!("kubeatlas: context {:?}: {e}", a.context);
            }
            Ok((res, Listed::Table(t))) => {
                served = true;
                let all_ns = res.namespaced && a.namespace.is_none();
                tables.push((a.context.clone(), all_ns, t.columns.clone(), t.rows.clone()));
            }
            Ok((_, Listed::Objects(objs))) => {
                served = true;
                items.extend(
                    objs.iter()
                        .map(|o| json!({"context": a.context, "object": o})),
                );
            }
        }
    }
    if !served && !failed {
        eprintln!("error: the server doesn't have a resource type {name:?}");
        return Ok(ExitCode::from(1));
    }
    match output {
        Format::Table => {
            if tables.iter().all(|(_, _, _, rows)| rows.is_empty()) {
                eprintln!("No resources found");
            } else {
                print!("{}", render_table(&tables));
            }
        }
        Format::Json | Format::Yaml => {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            let text = match output {
                Format::Json => serde_json::to_string_pretty(&list)? + "\n",
                _ => serde_yaml::to_string(&list)?,
            };
            print!("{text}");
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_laid_out_as_kubectls_tabwriter() {
        let lines = vec![
            vec!["NAME".to_string(), "UP".into(), "AGE".into()],
            vec!["a".to_string(), "1".into(), "5m".into()],
        ];
        assert_eq!(tabulate(&lines), "NAME   UP    AGE\na      1     5m\n");
    }
}
