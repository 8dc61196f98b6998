//! The request journal: every request the server received, for tests to assert on.

use std::collections::VecDeque;

use serde_json::Value;

/// One HTTP request as the simulated server received it.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalEntry {
    /// HTTP method, e.g. `PATCH`.
    pub method: String,
    /// Request path without the query, e.g. `/apis/apps/v1/namespaces/shop/deployments/cart`.
    pub path: String,
    /// Raw query string (may be empty).
    pub query: String,
    /// `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// `Accept` header, if any (e.g. `…;as=PartialObjectMetadataList;…` for metadata only).
    pub accept: Option<String>,
    /// Request body (lossy UTF-8).
    pub body: String,
    /// HTTP status the server answered with.
    pub status: u16,
}

impl JournalEntry {
    /// Whether the request could change server state (anything but GET/HEAD/OPTIONS).
    pub fn is_mutating(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The value of query parameter `key` (percent-decoded).
    pub fn query_param(&self, key: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }
}

/// Bounded journal (oldest entries are dropped past `capacity`).
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            entries: VecDeque::new(),
            capacity,
        }
    }

    pub fn push(&mut self, e: JournalEntry) {
        if self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    pub fn snapshot(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
