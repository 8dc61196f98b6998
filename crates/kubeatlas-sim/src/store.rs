//! The versioned object store: per-resource tables, watch history and event fan-out.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use tokio::sync::broadcast;

use super::object::StoredObject;
use super::resource::SimResource;
use super::util;

/// Capacity of each resource's live event channel; a watcher lagging further is disconnected.
const CHANNEL_CAPACITY: usize = 8192;

/// Watch event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change to a table; `prev` is the state before a modification (for selector transitions).
#[derive(Debug)]
pub(crate) struct Event {
    pub kind: EventType,
    pub obj: Arc<StoredObject>,
    pub prev: Option<Arc<StoredObject>>,
}

/// Objects of one resource, keyed like etcd (`namespace/name`), and their recent history.
pub(crate) struct Table {
    pub objects: BTreeMap<String, Arc<StoredObject>>,
    pub history: VecDeque<Arc<Event>>,
    /// Every event with `rv > floor` is still in `history`.
    pub floor: u64,
    pub tx: broadcast::Sender<Arc<Event>>,
}

impl Table {
    fn new() -> Table {
        Table {
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            floor: 0,
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

/// Everything guarded by the cluster's store lock.
pub(crate) struct Inner {
    /// The cluster-wide resourceVersion counter (last assigned value).
    pub rv: u64,
    /// Continue tokens older than this are expired (410).
    pub compacted: u64,
    pub tables: Vec<Table>,
    pub rng: StdRng,
    pub history_cap: usize,
}

impl Inner {
    pub fn new(seed: &str) -> Inner {
        Inner {
            rv: 1000,
            compacted: 0,
            tables: SimResource::ALL.iter().map(|_| Table::new()).collect(),
            rng: StdRng::seed_from_u64(util::fnv64a(seed.as_bytes())),
            history_cap: 20_000,
        }
    }

    pub fn table(&self, res: SimResource) -> &Table {
        &self.tables[res.index()]
    }

    fn table_mut(&mut self, res: SimResource) -> &mut Table {
        &mut self.tables[res.index()]
    }

    pub fn get(&self, res: SimResource, key: &str) -> Option<&Arc<StoredObject>> {
        self.table(res).objects.get(key)
    }

    /// Oldest resourceVersion a watch on `res` can resume from.
    pub fn oldest_watchable(&self, res: SimResource) -> u64 {
        self.table(res).floor.max(self.compacted)
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// Inserts a new object (key must be free) and emits ADDED.
    pub fn insert(&mut self, res: SimResource, key: String, value: Value) -> Arc<StoredObject> {
        let rv = self.next_rv();
        let obj = Arc::new(StoredObject::new(res, value, rv));
        self.table_mut(res).objects.insert(key, obj.clone());
        self.emit(res, EventType::Added, obj.clone(), None);
        obj
    }

    /// Inserts without history or events (bulk-built fleets before any client connects).
    pub fn insert_silent(&mut self, res: SimResource, key: String, obj: StoredObject) {
        self.rv = self.rv.max(obj.rv);
        self.table_mut(res).objects.insert(key, Arc::new(obj));
    }

    /// Replaces an existing object and emits MODIFIED.
    pub fn replace(&mut self, res: SimResource, key: String, value: Value) -> Arc<StoredObject> {
        let rv = self.next_rv();
        let obj = Arc::new(StoredObject::new(res, value, rv));
        let prev = self.table_mut(res).objects.insert(key, obj.clone());
        self.emit(res, EventType::Modified, obj.clone(), prev);
        obj
    }

    /// Removes an object and emits DELETED carrying the deletion's resourceVersion (and
    /// `last`, the object's final state, when given).
    pub fn remove(
        &mut self,
        res: SimResource,
        key: &str,
        last: Option<Value>,
    ) -> Option<Arc<StoredObject>> {
        let old = self.table_mut(res).objects.remove(key)?;
        let rv = self.next_rv();
        let value = last.unwrap_or_else(|| old.value());
        let gone = Arc::new(StoredObject::new(res, value, rv));
        self.emit(res, EventType::Deleted, gone.clone(), Some(old));
        Some(gone)
    }

    fn emit(
        &mut self,
        res: SimResource,
        kind: EventType,
        obj: Arc<StoredObject>,
        prev: Option<Arc<StoredObject>>,
    ) {
        let cap = self.history_cap;
        let table = self.table_mut(res);
        let ev = Arc::new(Event { kind, obj, prev });
        table.history.push_back(ev.clone());
        while table.history.len() > cap {
            if let Some(old) = table.history.pop_front() {
                table.floor = old.obj.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = table.tx.send(ev);
    }

    /// Drops all history: watches and continue tokens from before now get 410.
    pub fn compact(&mut self) {
        let rv = self.rv;
        self.compacted = rv;
        for t in &mut self.tables {
            t.history.clear();
            t.floor = rv;
        }
    }

    /// Marks everything up to now as history-less (after a silent bulk build).
    pub fn seal_bulk(&mut self) {
        let rv = self.rv;
        for t in &mut self.tables {
            if t.history.is_empty() {
                t.floor = t.floor.max(rv);
            }
        }
    }

    /// Events of `res` with `rv > since`, in order.
    pub fn events_after(&self, res: SimResource, since: u64) -> Vec<Arc<Event>> {
        let h = &self.table(res).history;
        let start = h.partition_point(|e| e.obj.rv <= since);
        h.range(start..).cloned().collect()
    }
}
