//! JavaScript source maps, applied to an event's stack traces the way Sentry's Symbolicator
//! (`symbolicator-js`) applies them, from the files a project uploaded with `sentry-cli
//! sourcemaps upload` (artifact bundles).
//!
//! It runs in two steps around an asynchronous read of the files, so that this module stays
//! free of I/O: [`plan`] finds, in a project's [`ArtifactIndex`] (metadata only), the
//! minified file and the source map of every frame; the caller reads those files (cached);
//! [`apply`] then rewrites the frames. The frames as the SDK sent them are kept in each
//! stack trace's `raw_stacktrace`, as in Sentry, and grouping runs on the mapped frames.
//!
//! A frame's minified file is found by the debug id of the event's `debug_meta.images` entry
//! whose `code_file` is the frame's `abs_path`, else by its URL (the full URL, without its
//! query, then as `~/path`) among the files of the event's release and dist. Its map is found
//! by debug id too, else by the minified file's `Sourcemap` header or `sourceMappingURL`
//! comment, resolved against the frame's URL. Sentry names a mapped frame's function after
//! the scope that contains it, found by parsing the minified file; Cairn does not parse
//! JavaScript, and takes the name at the caller's call site instead (Sentry's fallback), else
//! keeps the minified name.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{json, Map, Value};
use sourcemap::{SourceMap, SourceView};

use super::javascript::generate_module;

/// The id of an uploaded file.
pub type ArtifactId = i64;

/// What an uploaded file is, as the bundle's manifest says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// A minified (generated) script.
    MinifiedSource,
    /// A source map.
    SourceMap,
    /// An original source file (for maps without `sourcesContent`).
    Source,
    /// Anything else a bundle holds (kept, never looked up).
    Other,
}

impl ArtifactKind {
    /// The manifest's `type` (`minified_source`, `source_map`, `source`, ...).
    pub fn from_manifest(kind: &str) -> Self {
        match kind {
            "minified_source" => Self::MinifiedSource,
            "source_map" => Self::SourceMap,
            "source" => Self::Source,
            _ => Self::Other,
        }
    }

    /// The manifest's name of the kind, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MinifiedSource => "minified_source",
            Self::SourceMap => "source_map",
            Self::Source => "source",
            Self::Other => "other",
        }
    }
}

/// One uploaded file as the lookups see it: no content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactMeta {
    pub id: ArtifactId,
    pub kind: ArtifactKind,
    /// Its URL as uploaded, usually `~/path`.
    pub url: String,
    /// Its debug id, lowercase with dashes.
    pub debug_id: Option<String>,
    /// For a minified file: its source map reference (the `Sourcemap` header, else the
    /// `sourceMappingURL` comment), unresolved.
    pub sourcemap: Option<String>,
    /// The release and dist of its bundle, if it was uploaded for one.
    pub release: Option<String>,
    pub dist: Option<String>,
}

/// A project's uploaded files, indexed by debug id and by URL.
#[derive(Debug, Default)]
pub struct ArtifactIndex {
    files: Vec<ArtifactMeta>,
    by_debug_id: HashMap<(String, ArtifactKind), usize>,
    by_url: HashMap<String, Vec<usize>>,
}

impl ArtifactIndex {
    /// Indexes `files`, newest first: where two files answer the same lookup, the newer wins.
    pub fn new(files: Vec<ArtifactMeta>) -> Self {
        let mut by_debug_id = HashMap::new();
        let mut by_url: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, file) in files.iter().enumerate() {
            if let Some(id) = &file.debug_id {
                by_debug_id.entry((id.clone(), file.kind)).or_insert(i);
            }
            by_url.entry(file.url.clone()).or_default().push(i);
        }
        ArtifactIndex { files, by_debug_id, by_url }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn by_debug_id(&self, debug_id: &str, kind: ArtifactKind) -> Option<&ArtifactMeta> {
        let i = *self.by_debug_id.get(&(debug_id.to_owned(), kind))?;
        self.files.get(i)
    }

    /// The first of Sentry's candidate URLs that a file of this kind, release and dist has.
    fn by_url(
        &self,
        url: &str,
        kind: ArtifactKind,
        release: Option<&str>,
        dist: Option<&str>,
    ) -> Option<&ArtifactMeta> {
        // Files are found by URL only within a release, as Sentry looks up release bundles.
        release?;
        candidate_urls(url).iter().find_map(|candidate| {
            self.by_url.get(candidate)?.iter().map(|&i| &self.files[i]).find(|file| {
                file.kind == kind
                    && file.release.as_deref() == release
                    && file.dist.as_deref() == dist
            })
        })
    }
}

/// Which file to read for a frame's source map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MapSource {
    /// An uploaded map.
    File(ArtifactId),
    /// A `data:` URL in the minified file's comment: the map is in that file.
    Embedded(ArtifactId),
}

/// A source map as [`apply`] needs it, read and parsed by the caller (and cached by it).
#[derive(Debug)]
pub enum Loaded {
    /// A parsed source map.
    Map(Arc<SourceMap>),
    /// A map that does not parse.
    Invalid,
}

/// Parses a source map (plain, index or Hermes) for [`Loaded::Map`].
pub fn parse_map(bytes: &[u8]) -> Loaded {
    let map = match sourcemap::decode_slice(bytes) {
        Ok(sourcemap::DecodedMap::Regular(map)) => Some(map),
        Ok(sourcemap::DecodedMap::Index(index)) => index.flatten().ok(),
        Ok(sourcemap::DecodedMap::Hermes(hermes)) => Some((*hermes).clone()),
        Err(_) => None,
    };
    map.map_or(Loaded::Invalid, |map| Loaded::Map(Arc::new(map)))
}

/// Parses the `data:` URL map a minified file carries, for [`MapSource::Embedded`].
pub fn parse_embedded_map(minified: &str) -> Loaded {
    let map = sourcemap_comment(minified)
        .filter(|url| url.starts_with("data:"))
        .and_then(|url| sourcemap::decode_data_url(url).ok());
    let map = match map {
        Some(sourcemap::DecodedMap::Regular(map)) => Some(map),
        Some(sourcemap::DecodedMap::Index(index)) => index.flatten().ok(),
        Some(sourcemap::DecodedMap::Hermes(hermes)) => Some((*hermes).clone()),
        None => None,
    };
    map.map_or(Loaded::Invalid, |map| Loaded::Map(Arc::new(map)))
}

/// The last `//# sourceMappingURL=` (or legacy `//@`) comment of a script, without its query
/// and fragment (a `data:` URL is returned whole).
pub fn sourcemap_comment(script: &str) -> Option<&str> {
    script.lines().rev().find_map(|line| {
        let line = line.trim();
        let url = line
            .strip_prefix("//# sourceMappingURL=")
            .or_else(|| line.strip_prefix("//@ sourceMappingURL="))?
            .trim();
        if url.starts_with("data:") {
            return Some(url);
        }
        Some(url.split(['?', '#']).next().unwrap_or(url)).filter(|u| !u.is_empty())
    })
}

/// What [`plan`] found for one frame.
#[derive(Debug, Clone)]
struct FramePlan {
    stacktrace: usize,
    frame: usize,
    minified: ArtifactId,
    map: Option<MapSource>,
    /// The map's label for `data.sourcemap` (its resolved URL, or the frame's for an
    /// embedded or debug-id-only map).
    map_label: String,
    resolved_with: &'static str,
}

/// The files an event's frames need, found before any is read.
#[derive(Debug, Default)]
pub struct Plan {
    frames: Vec<FramePlan>,
    /// Frames whose minified file was not uploaded: their URL, for `js_no_source`.
    missing: Vec<(usize, usize, String)>,
}

impl Plan {
    /// Minified files to read.
    pub fn minified_files(&self) -> impl Iterator<Item = ArtifactId> + '_ {
        let mut seen = HashSet::new();
        self.frames.iter().map(|f| f.minified).filter(move |id| seen.insert(*id))
    }

    /// Maps to read and parse.
    pub fn maps(&self) -> impl Iterator<Item = &MapSource> + '_ {
        let mut seen = HashSet::new();
        self.frames.iter().filter_map(|f| f.map.as_ref()).filter(move |m| seen.insert(*m))
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.missing.is_empty()
    }
}

/// Whether a frame is one Sentry sends to its JavaScript processing (`_handles_frame`), and
/// its `abs_path` if so.
fn handled_abs_path(frame: &Map<String, Value>, event_platform: &str) -> Option<String> {
    let platform = match frame.get("platform").and_then(Value::as_str) {
        Some(own) if !own.is_empty() => own,
        _ => event_platform,
    };
    if !matches!(platform, "javascript" | "node") {
        return None;
    }
    let abs_path = frame.get("abs_path").and_then(Value::as_str).filter(|p| !p.is_empty())?;
    if frame.get("lineno").and_then(Value::as_u64).unwrap_or(0) == 0 {
        return None;
    }
    if matches!(abs_path, "native" | "[native code]") {
        return None;
    }
    // Node's own modules (`node:fs`, `internal/...`) have no files to look up.
    if platform == "node" && !is_node_file(abs_path) {
        return None;
    }
    Some(abs_path.to_owned())
}

/// `^((app|webpack|[a-zA-Z]):|/)`: a path of the application, not one of Node's modules.
fn is_node_file(path: &str) -> bool {
    if path.starts_with('/') || path.starts_with("app:") || path.starts_with("webpack:") {
        return true;
    }
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The debug ids of the event's source map images, by `code_file`.
fn debug_images(event: &Map<String, Value>) -> HashMap<String, String> {
    let images = event
        .get("debug_meta")
        .and_then(|d| d.get("images"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    images
        .iter()
        .filter(|image| image.get("type").and_then(Value::as_str) == Some("sourcemap"))
        .filter_map(|image| {
            let code_file = image.get("code_file")?.as_str()?;
            let debug_id = image.get("debug_id")?.as_str()?;
            let debug_id = uuid::Uuid::try_parse(debug_id).ok()?.hyphenated().to_string();
            Some((code_file.to_owned(), debug_id))
        })
        .collect()
}

/// Finds the files of every JavaScript frame of the event in the project's index.
pub fn plan(event: &mut Map<String, Value>, index: &ArtifactIndex) -> Plan {
    let mut plan = Plan::default();
    if index.is_empty() {
        return plan;
    }
    let platform = event.get("platform").and_then(Value::as_str).unwrap_or("").to_owned();
    let release = event.get("release").and_then(Value::as_str).map(str::to_owned);
    let dist = event.get("dist").and_then(Value::as_str).map(str::to_owned);
    let images = debug_images(event);
    for (s, stacktrace) in super::trim::stacktraces(event).into_iter().enumerate() {
        let Some(frames) = stacktrace.get("frames").and_then(Value::as_array) else {
            continue;
        };
        for (f, frame) in frames.iter().enumerate() {
            let Some(abs_path) = frame.as_object().and_then(|f| handled_abs_path(f, &platform))
            else {
                continue;
            };
            let debug_id = images.get(abs_path.strip_prefix("async ").unwrap_or(&abs_path));
            let by_debug_id = debug_id
                .and_then(|id| index.by_debug_id(id, ArtifactKind::MinifiedSource))
                .map(|file| (file, "debug-id"));
            let found = by_debug_id.or_else(|| {
                index
                    .by_url(
                        &abs_path,
                        ArtifactKind::MinifiedSource,
                        release.as_deref(),
                        dist.as_deref(),
                    )
                    .map(|file| (file, "release"))
            });
            let Some((minified, resolved_with)) = found else {
                plan.missing.push((s, f, abs_path));
                continue;
            };
            let (map, map_label) =
                match debug_id.and_then(|id| index.by_debug_id(id, ArtifactKind::SourceMap)) {
                    Some(map) => (Some(MapSource::File(map.id)), abs_path.clone()),
                    None => match minified.sourcemap.as_deref() {
                        Some(url) if url.starts_with("data:") => {
                            (Some(MapSource::Embedded(minified.id)), abs_path.clone())
                        }
                        Some(url) => {
                            let resolved = join_paths(&abs_path, url);
                            let map = index.by_url(
                                &resolved,
                                ArtifactKind::SourceMap,
                                minified.release.as_deref(),
                                minified.dist.as_deref(),
                            );
                            (map.map(|m| MapSource::File(m.id)), resolved)
                        }
                        None => (None, String::new()),
                    },
                };
            plan.frames.push(FramePlan {
                stacktrace: s,
                frame: f,
                minified: minified.id,
                map,
                map_label,
                resolved_with,
            });
        }
    }
    plan
}

/// Rewrites the planned frames with their maps. `minified` and `maps` give the files the plan
/// asked for (a file that could not be read is simply missing).
pub fn apply(
    event: &mut Map<String, Value>,
    plan: &Plan,
    minified: &HashMap<ArtifactId, Arc<SourceView>>,
    maps: &HashMap<MapSource, Arc<Loaded>>,
) {
    let mut errors: Vec<Value> = Vec::new();
    let mut reported: HashSet<(String, &'static str)> = HashSet::new();
    let mut report = |errors: &mut Vec<Value>, key: String, kind: &'static str, error: Value| {
        if reported.insert((key, kind)) {
            errors.push(error);
        }
    };
    for (_, _, url) in &plan.missing {
        report(
            &mut errors,
            url.clone(),
            "js_no_source",
            json!({"type": "js_no_source", "url": url}),
        );
    }

    let planned: HashMap<(usize, usize), &FramePlan> =
        plan.frames.iter().map(|p| ((p.stacktrace, p.frame), p)).collect();
    for (s, stacktrace) in super::trim::stacktraces(event).into_iter().enumerate() {
        let Some(frames) = stacktrace.get_mut("frames").and_then(Value::as_array_mut) else {
            continue;
        };
        if !(0..frames.len()).any(|f| planned.contains_key(&(s, f))) {
            continue;
        }
        let mut raw_frames = frames.clone();
        // The name at the caller's call site: the callee's name in the original source.
        let mut caller_name: Option<String> = None;
        for (f, value) in frames.iter_mut().enumerate() {
            let Some(frame) = value.as_object_mut() else {
                caller_name = None;
                continue;
            };
            let Some(planned) = planned.get(&(s, f)) else {
                caller_name = None;
                continue;
            };
            let lineno = frame.get("lineno").and_then(Value::as_u64).unwrap_or(0);
            let colno = frame.get("colno").and_then(Value::as_u64).unwrap_or(0);
            let abs_path =
                frame.get("abs_path").and_then(Value::as_str).unwrap_or_default().to_owned();
            let Some(script) = minified.get(&planned.minified) else {
                report(
                    &mut errors,
                    abs_path.clone(),
                    "js_no_source",
                    json!({"type": "js_no_source", "url": abs_path}),
                );
                caller_name = None;
                continue;
            };
            // The raw frame shows the minified file's lines; a frame without a map shows them too.
            let minified_context = context_lines(script, lineno, colno);
            if let (Some(raw), Some(context)) =
                (raw_frames.get_mut(f).and_then(Value::as_object_mut), &minified_context)
            {
                context.write_to(raw);
            }
            let map = match planned.map.as_ref().and_then(|m| maps.get(m)).map(Arc::as_ref) {
                Some(Loaded::Map(map)) => map,
                Some(Loaded::Invalid) => {
                    let label = planned.map_label.clone();
                    report(
                        &mut errors,
                        label.clone(),
                        "js_invalid_source",
                        json!({"type": "js_invalid_source", "url": label}),
                    );
                    data_of(frame).insert("resolved_with".into(), json!(planned.resolved_with));
                    data_of(frame).insert("symbolicated".into(), json!(false));
                    caller_name = None;
                    continue;
                }
                None => {
                    if planned.map.is_some() {
                        report(
                            &mut errors,
                            abs_path.clone(),
                            "js_no_source",
                            json!({"type": "js_no_source", "url": abs_path}),
                        );
                    }
                    if let Some(context) = &minified_context {
                        context.write_to(frame);
                    }
                    data_of(frame).insert("symbolicated".into(), json!(false));
                    caller_name = None;
                    continue;
                }
            };
            let line = u32::try_from(lineno.saturating_sub(1)).unwrap_or(u32::MAX);
            let col = u32::try_from(colno.saturating_sub(1)).unwrap_or(u32::MAX);
            // Sentry takes the nearest mapping at or before the position, and the first one
            // for a position before every mapping.
            let Some(token) = map.lookup_token(line, col).or_else(|| map.get_token(0)) else {
                report(
                    &mut errors,
                    abs_path.clone(),
                    "js_invalid_sourcemap_location",
                    json!({"type": "js_invalid_sourcemap_location", "column": colno, "row": lineno, "source": abs_path}),
                );
                caller_name = None;
                continue;
            };
            let (src_line, src_col) = (token.get_src_line(), token.get_src_col());
            if src_line != u32::MAX {
                frame.insert("lineno".into(), json!(u64::from(src_line) + 1));
                frame.insert("colno".into(), json!(u64::from(src_col.saturating_add(1))));
            }
            if let Some(source) = token.get_source() {
                let base =
                    if planned.map_label.is_empty() { &abs_path } else { &planned.map_label };
                let new_abs_path = join_paths(base, source);
                let is_webpack = source.starts_with("webpack:");
                let filename =
                    if is_webpack { fixup_webpack_filename(source) } else { source.to_owned() };
                let module = if is_webpack {
                    Some(generate_module(&filename))
                } else if ["http:", "https:", "webpack:", "app:"]
                    .iter()
                    .any(|s| new_abs_path.starts_with(s))
                {
                    Some(generate_module(&new_abs_path))
                } else {
                    None
                };
                if let Some(in_app) = in_app_of(&new_abs_path, &filename) {
                    frame.insert("in_app".into(), Value::Bool(in_app));
                }
                if let Some(module) = module {
                    frame.insert("module".into(), Value::String(module));
                }
                match map.get_source_view(token.get_src_id()) {
                    Some(contents) if src_line != u32::MAX => {
                        if let Some(context) = context_lines(
                            contents,
                            u64::from(src_line) + 1,
                            u64::from(src_col.saturating_add(1)),
                        ) {
                            context.write_to(frame);
                        }
                    }
                    _ => {
                        // Without the original file's text the frame keeps no context: the
                        // SDK's, if any, was the minified file's.
                        for key in ["pre_context", "context_line", "post_context"] {
                            frame.remove(key);
                        }
                        report(
                            &mut errors,
                            new_abs_path.clone(),
                            "js_missing_sources_content",
                            json!({"type": "js_missing_sources_content", "source": new_abs_path, "sourcemap": planned.map_label}),
                        );
                    }
                }
                frame.insert("abs_path".into(), Value::String(new_abs_path));
                frame.insert("filename".into(), Value::String(filename));
            }
            let raw_function =
                frame.get("function").and_then(Value::as_str).filter(|f| !f.is_empty());
            let function = caller_name.as_deref().filter(|n| !n.is_empty()).or(raw_function);
            if let Some(function) = function.map(fold_function_name) {
                frame.insert("function".into(), Value::String(function));
            }
            caller_name = token.get_name().map(str::to_owned);
            let data = data_of(frame);
            data.insert("sourcemap".into(), Value::String(planned.map_label.clone()));
            data.insert("resolved_with".into(), json!(planned.resolved_with));
            data.insert("symbolicated".into(), json!(true));
        }
        if let Some(stacktrace) = stacktrace.as_object_mut() {
            stacktrace.insert(RAW_FRAMES.into(), Value::Array(raw_frames));
        }
    }
    move_raw_stacktraces(event);

    if !errors.is_empty() {
        match event.get_mut("errors") {
            Some(Value::Array(existing)) => existing.extend(errors),
            _ => {
                event.insert("errors".into(), Value::Array(errors));
            }
        }
    }
}

/// Where [`apply`] leaves a stack trace's frames as sent, until [`move_raw_stacktraces`] moves
/// them to the exception or thread that owns the stack trace.
const RAW_FRAMES: &str = "__raw_frames";

/// Moves each stack trace's frames as sent to its owner's `raw_stacktrace`, where Sentry keeps
/// them (an event's own `stacktrace` has no owner: its raw frames are not kept).
fn move_raw_stacktraces(event: &mut Map<String, Value>) {
    for key in ["exception", "threads"] {
        let Some(values) =
            event.get_mut(key).and_then(|v| v.get_mut("values")).and_then(Value::as_array_mut)
        else {
            continue;
        };
        for entry in values.iter_mut().filter_map(Value::as_object_mut) {
            let raw = entry
                .get_mut("stacktrace")
                .and_then(Value::as_object_mut)
                .and_then(|st| st.remove(RAW_FRAMES));
            if let Some(frames) = raw {
                entry.insert("raw_stacktrace".into(), json!({ "frames": frames }));
            }
        }
    }
    if let Some(stacktrace) = event.get_mut("stacktrace").and_then(Value::as_object_mut) {
        stacktrace.remove(RAW_FRAMES);
    }
}

fn data_of(frame: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let data = frame.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    data.as_object_mut().expect("set to an object above")
}

/// Sentry's `in_app` for a mapped frame (None: leave it as it was).
fn in_app_of(abs_path: &str, filename: &str) -> Option<bool> {
    if abs_path.starts_with("webpack:") {
        Some(!filename.starts_with("~/") && !filename.contains("/node_modules/"))
    } else if abs_path.starts_with("app:") {
        Some(!filename.split('/').any(|segment| segment == "node_modules"))
    } else if abs_path.contains("/node_modules/") {
        Some(false)
    } else {
        None
    }
}

/// A frame's lines around its position.
#[derive(Debug, Clone, PartialEq)]
struct Context {
    pre: Vec<String>,
    line: String,
    post: Vec<String>,
}

impl Context {
    fn write_to(&self, frame: &mut Map<String, Value>) {
        frame.insert("pre_context".into(), json!(self.pre));
        frame.insert("context_line".into(), json!(self.line));
        frame.insert("post_context".into(), json!(self.post));
    }
}

/// Five lines before and after line `lineno` (1-based) of `text`, each long line cut around
/// the column as Sentry cuts it; `None` when the file has no such line. The view keeps the
/// file's line index between events, so a frame deep in a big file is not a scan of it.
fn context_lines(text: &SourceView, lineno: u64, colno: u64) -> Option<Context> {
    let index = u32::try_from(lineno.checked_sub(1)?).ok()?;
    let col = usize::try_from(colno).unwrap_or(usize::MAX);
    let line = trim_line(text.get_line(index)?, col);
    let pre = (index.saturating_sub(5)..index)
        .filter_map(|i| text.get_line(i))
        .map(|l| trim_line(l, 0))
        .collect();
    let post = (index + 1..index.saturating_add(6))
        .map_while(|i| text.get_line(i))
        .map(|l| trim_line(l, 0))
        .collect();
    Some(Context { pre, line, post })
}

/// Sentry's `trim_line`: a line over 150 bytes cut to 140 around the column, with `{snip}`
/// where it was cut.
fn trim_line(line: &str, column: usize) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    let len = line.len();
    if len <= 150 {
        return line.to_owned();
    }
    let column = column.min(len);
    let mut start = column.saturating_sub(60);
    if start < 5 {
        start = 0;
    }
    let mut end = (start + 140).min(len);
    if end > len - 5 {
        end = len;
    }
    if end == len {
        start = end.saturating_sub(140);
    }
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end - start + 14);
    if start > 0 {
        out.push_str("{snip} ");
    }
    out.push_str(&line[start..end]);
    if end < len {
        out.push_str(" {snip}");
    }
    out
}

/// The URLs Sentry tries for a file, in order: as given, without its query, and as `~/path`
/// with and without its query (the fragment dropped from all).
pub fn candidate_urls(url: &str) -> Vec<String> {
    let url = url.split('#').next().unwrap_or(url);
    let mut candidates = vec![url.to_owned()];
    let query = url.find('?');
    if let Some(q) = query {
        candidates.push(url[..q].to_owned());
    }
    let path = strip_hostname(url);
    candidates.push(format!("~{path}"));
    if let Some(q) = path.find('?') {
        candidates.push(format!("~{}", &path[..q]));
    }
    let mut seen = HashSet::new();
    candidates.retain(|c| seen.insert(c.clone()));
    candidates
}

/// The URL without its scheme and host (`~` stripped from a `~/path`).
fn strip_hostname(url: &str) -> &str {
    if let Some(rest) = url.strip_prefix('~') {
        return rest;
    }
    match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find('/').map_or(after, |slash| &after[slash..])
        }
        None => url,
    }
}

/// Sentry's `join_paths`: `other` resolved against `base` (a script's URL).
pub fn join_paths(base: &str, other: &str) -> String {
    if other.contains("://") || other.starts_with("webpack:") {
        return other.to_owned();
    }
    let other = other.strip_prefix('~').unwrap_or(other);
    let (scheme, origin, path) = split_origin(base);
    if let Some(rest) = other.strip_prefix("//") {
        return match scheme {
            Some(scheme) => format!("{scheme}://{rest}"),
            None => other.to_owned(),
        };
    }
    if other.starts_with('/') {
        return format!("{origin}{other}");
    }
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop();
    for segment in other.split('/') {
        match segment {
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
            }
            "." | "" => {}
            segment => segments.push(segment),
        }
    }
    format!("{origin}{}", segments.join("/"))
}

/// `(scheme, "scheme://host", "/path")` of a URL without its query and fragment; a path
/// without a scheme is all path.
fn split_origin(url: &str) -> (Option<&str>, &str, &str) {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    match url.find("://") {
        Some(i) => {
            let host_end = url[i + 3..].find('/').map_or(url.len(), |slash| i + 3 + slash);
            (Some(&url[..i]), &url[..host_end], &url[host_end..])
        }
        None => (None, "", url),
    }
}

/// Sentry's `fixup_webpack_filename`: the readable part of a `webpack://` source name.
fn fixup_webpack_filename(source: &str) -> String {
    if let Some(i) = source.find("/~/") {
        return format!("~/{}", &source[i + 3..]);
    }
    for prefix in ["webpack://", "webpack-internal://"] {
        if let Some(rest) = source.strip_prefix(prefix) {
            // `webpack://app/./src/x.js` → `./src/x.js`
            if let Some(slash) = rest.find("/./") {
                let namespace = &rest[..slash];
                if !namespace.is_empty()
                    && namespace
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.'))
                {
                    return rest[slash + 1..].to_owned();
                }
            }
        }
    }
    for prefix in ["webpack:///", "webpack-internal:///"] {
        if let Some(rest) = source.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    source.to_owned()
}

/// Sentry's `fold_function_name`: repeated parts of a dotted name folded, `a.a.a.b` →
/// `{a#3}.b`.
fn fold_function_name(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 3 {
        return name.to_owned();
    }
    let (last, init) = parts.split_last().expect("at least three parts");
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < init.len() {
        let mut n = 1;
        while i + n < init.len() && init[i + n] == init[i] {
            n += 1;
        }
        out.push(if n > 1 { format!("{{{}#{n}}}", init[i]) } else { init[i].to_owned() });
        i += n;
    }
    out.push((*last).to_owned());
    out.join(".")
}

#[cfg(test)]
mod tests;
