//! Where a stack frame's file and a commit are on a code host, from the project's code
//! mappings: the one rule that the server's `stacktrace-link` endpoint and the dashboard's
//! frames both apply, kept here so that the two cannot disagree.
//!
//! As in Sentry, a mapping whose stack root starts a frame's path replaces that root with its
//! source root; the most specific mapping (the longest stack root) wins.

use crate::api::CodeMapping;

/// A code host's form of links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// GitHub and GitHub Enterprise: `/blob/{branch}/{path}#L{line}`.
    GitHub,
    /// GitLab: `/-/blob/{branch}/{path}#L{line}`.
    GitLab,
    /// Bitbucket: `/src/{branch}/{path}#lines-{line}`.
    Bitbucket,
    /// Gitea and Forgejo: `/src/branch/{branch}/{path}#L{line}`.
    Gitea,
}

impl Host {
    /// Every host, in the order a form offers them.
    pub const ALL: [Host; 4] = [Host::GitHub, Host::GitLab, Host::Bitbucket, Host::Gitea];

    /// The host an id names (`github`, `gitlab`, `bitbucket`, `gitea`, or Sentry's
    /// provider form `integrations:github`).
    pub fn from_id(id: &str) -> Option<Host> {
        let id = id.trim();
        let id = id.strip_prefix("integrations:").unwrap_or(id);
        Host::ALL.into_iter().find(|host| host.id() == id)
    }

    /// The host of a repository at `url`: the one `provider` names, else the one the address
    /// suggests.
    pub fn of(provider: Option<&str>, url: &str) -> Host {
        provider.and_then(Host::from_id).unwrap_or_else(|| Host::guess(url))
    }

    /// The host's id, as stored and sent.
    pub fn id(self) -> &'static str {
        match self {
            Host::GitHub => "github",
            Host::GitLab => "gitlab",
            Host::Bitbucket => "bitbucket",
            Host::Gitea => "gitea",
        }
    }

    /// The host's name, for people.
    pub fn name(self) -> &'static str {
        match self {
            Host::GitHub => "GitHub",
            Host::GitLab => "GitLab",
            Host::Bitbucket => "Bitbucket",
            Host::Gitea => "Gitea",
        }
    }

    /// The host a repository's address most likely belongs to (self-hosted GitLab and Gitea
    /// instances usually say so in their host name); GitHub's form otherwise.
    pub fn guess(url: &str) -> Host {
        let host = url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or_default();
        let host = host.to_ascii_lowercase();
        if host.contains("gitlab") {
            Host::GitLab
        } else if host.contains("bitbucket") {
            Host::Bitbucket
        } else if ["gitea", "forgejo", "codeberg"].iter().any(|name| host.contains(name)) {
            Host::Gitea
        } else {
            Host::GitHub
        }
    }

    /// The address of `path` on `branch`, at `line` when known.
    pub fn file_url(self, repo_url: &str, branch: &str, path: &str, line: Option<u64>) -> String {
        let base = repo_url.trim_end_matches('/');
        let path = path.trim_start_matches('/');
        let (infix, anchor) = match self {
            Host::GitHub => ("blob/", "#L"),
            Host::GitLab => ("-/blob/", "#L"),
            Host::Bitbucket => ("src/", "#lines-"),
            Host::Gitea => ("src/branch/", "#L"),
        };
        let mut url = format!("{base}/{infix}{branch}/{path}");
        if let Some(line) = line.filter(|line| *line > 0) {
            url.push_str(anchor);
            url.push_str(&line.to_string());
        }
        url
    }

    /// The address of commit `sha`.
    pub fn commit_url(self, repo_url: &str, sha: &str) -> String {
        let base = repo_url.trim_end_matches('/');
        match self {
            Host::GitLab => format!("{base}/-/commit/{sha}"),
            Host::Bitbucket => format!("{base}/commits/{sha}"),
            Host::GitHub | Host::Gitea => format!("{base}/commit/{sha}"),
        }
    }
}

/// What a frame says about its file.
#[derive(Debug, Clone, Copy, Default)]
pub struct FramePath<'a> {
    /// `filename`.
    pub filename: Option<&'a str>,
    /// `abs_path`.
    pub abs_path: Option<&'a str>,
    /// `module` (Java's `com.example.App`).
    pub module: Option<&'a str>,
}

impl FramePath<'_> {
    /// The paths the frame's file may be known by in stack roots, the most telling first:
    /// the filename; the absolute path with a URL's scheme and host taken off (`app:///`,
    /// `webpack:///`, `https://host/`); a Java-style module as folders plus the filename.
    pub fn candidates(&self) -> Vec<String> {
        let mut paths: Vec<String> = Vec::with_capacity(3);
        let mut push = |path: String| {
            if !path.is_empty() && !paths.contains(&path) {
                paths.push(path);
            }
        };
        if let Some(filename) = self.filename {
            push(clean(filename));
        }
        if let Some(abs_path) = self.abs_path {
            push(clean(&without_url_prefix(abs_path)));
        }
        if let (Some(module), Some(filename)) = (self.module, self.filename) {
            let folders = module.rsplit_once('.').map(|(package, _)| package.replace('.', "/"));
            if let Some(folders) = folders.filter(|_| !filename.contains(['/', '\\'])) {
                push(format!("{folders}/{filename}"));
            }
        }
        paths
    }
}

/// Backslashes as slashes, and a leading `./` or `~/` off.
fn clean(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("~/").unwrap_or(&path);
    path.trim_start_matches("./").to_owned()
}

/// An address's path without its scheme and, for `http(s)`, its host; its query and fragment
/// off. A plain path is returned as it is.
fn without_url_prefix(path: &str) -> String {
    let Some((scheme, rest)) = path.split_once("://") else {
        return path.to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        rest.split_once('/').map(|(_, path)| path).unwrap_or_default()
    } else {
        rest
    };
    rest.trim_start_matches('/').to_owned()
}

/// The repository path of `path` under a mapping of `stack_root` to `source_root`, when the
/// stack root starts it.
pub fn map_path(stack_root: &str, source_root: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(stack_root)?;
    let mapped = if source_root.is_empty() || source_root.ends_with('/') || rest.starts_with('/') {
        format!("{source_root}{rest}")
    } else if rest.is_empty() {
        source_root.to_owned()
    } else {
        format!("{source_root}/{rest}")
    };
    Some(mapped.trim_start_matches('/').to_owned())
}

/// The mapping that places a frame's file, and the file's repository path: the longest stack
/// root that starts one of the frame's paths.
pub fn find_mapping<'a>(
    mappings: &'a [CodeMapping],
    frame: &FramePath<'_>,
) -> Option<(&'a CodeMapping, String)> {
    let candidates = frame.candidates();
    let mut ordered: Vec<&CodeMapping> = mappings.iter().collect();
    ordered.sort_by_key(|mapping| std::cmp::Reverse(mapping.stack_root.len()));
    ordered.into_iter().find_map(|mapping| {
        candidates.iter().find_map(|path| {
            map_path(&mapping.stack_root, &mapping.source_root, path).map(|file| (mapping, file))
        })
    })
}

/// The address of `file` (a repository path the mapping gave) at `line` on the mapping's
/// code host, and the host; `None` while the mapping's repository has no address.
pub fn mapped_url(mapping: &CodeMapping, file: &str, line: Option<u64>) -> Option<(String, Host)> {
    let repo_url = mapping.repo_url.as_deref().filter(|url| !url.is_empty())?;
    let host = Host::of(mapping.repo_provider.as_deref(), repo_url);
    Some((host.file_url(repo_url, &mapping.default_branch, file, line), host))
}

/// The address of a frame's line on its code host, and the host, when a mapping places it
/// and the mapping's repository has an address.
pub fn frame_url(
    mappings: &[CodeMapping],
    frame: &FramePath<'_>,
    line: Option<u64>,
) -> Option<(String, Host)> {
    let (mapping, file) = find_mapping(mappings, frame)?;
    mapped_url(mapping, &file, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(stack_root: &str, source_root: &str, url: Option<&str>) -> CodeMapping {
        CodeMapping {
            id: "1".into(),
            project_id: "1".into(),
            project_slug: "shop".into(),
            repo_id: "1".into(),
            repo_name: "acme/shop".into(),
            repo_url: url.map(Into::into),
            repo_provider: None,
            stack_root: stack_root.into(),
            source_root: source_root.into(),
            default_branch: "main".into(),
            integration_id: None,
            automatically_generated: false,
            date_created: chrono::DateTime::default(),
        }
    }

    fn file(filename: &str) -> FramePath<'_> {
        FramePath { filename: Some(filename), ..FramePath::default() }
    }

    #[test]
    fn roots_are_replaced_with_or_without_slashes() {
        assert_eq!(
            map_path("app/", "src/app/", "app/views.py").as_deref(),
            Some("src/app/views.py")
        );
        assert_eq!(map_path("app", "src/app", "app/views.py").as_deref(), Some("src/app/views.py"));
        assert_eq!(map_path("app/", "", "app/views.py").as_deref(), Some("views.py"));
        assert_eq!(
            map_path("", "backend/", "app/views.py").as_deref(),
            Some("backend/app/views.py")
        );
        assert_eq!(map_path("", "", "app/views.py").as_deref(), Some("app/views.py"));
        assert_eq!(map_path("lib/", "src/", "app/views.py"), None);
    }

    #[test]
    fn the_longest_stack_root_wins() {
        let mappings = [mapping("app/", "web/", None), mapping("app/api/", "api/src/", None)];
        let (found, path) = find_mapping(&mappings, &file("app/api/routes.py")).expect("mapped");
        assert_eq!((found.stack_root.as_str(), path.as_str()), ("app/api/", "api/src/routes.py"));
        let (found, _) = find_mapping(&mappings, &file("app/models.py")).expect("mapped");
        assert_eq!(found.stack_root, "app/");
    }

    #[test]
    fn javascript_urls_and_java_modules_give_paths() {
        let browser = FramePath {
            filename: Some("/static/js/main.js"),
            abs_path: Some("https://shop.example/static/js/main.js?v=3"),
            module: None,
        };
        assert_eq!(browser.candidates(), ["/static/js/main.js", "static/js/main.js"]);
        let node = FramePath {
            filename: Some("app:///src/index.js"),
            abs_path: Some("app:///src/index.js"),
            module: None,
        };
        assert!(node.candidates().contains(&"src/index.js".to_owned()));
        let webpack =
            FramePath { abs_path: Some("webpack:///./src/cart.ts"), ..FramePath::default() };
        assert_eq!(webpack.candidates(), ["src/cart.ts"]);
        let java = FramePath {
            filename: Some("MainActivity.java"),
            module: Some("com.example.app.MainActivity"),
            ..FramePath::default()
        };
        assert_eq!(java.candidates(), ["MainActivity.java", "com/example/app/MainActivity.java"]);
        let windows = file(r".\src\app.py");
        assert_eq!(windows.candidates(), ["src/app.py"]);
    }

    #[test]
    fn links_follow_each_hosts_form() {
        let url = "https://code.example/acme/shop/";
        assert_eq!(
            Host::GitHub.file_url(url, "main", "src/a.py", Some(12)),
            "https://code.example/acme/shop/blob/main/src/a.py#L12"
        );
        assert_eq!(
            Host::GitLab.file_url(url, "main", "src/a.py", Some(12)),
            "https://code.example/acme/shop/-/blob/main/src/a.py#L12"
        );
        assert_eq!(
            Host::Bitbucket.file_url(url, "dev", "a.py", Some(3)),
            "https://code.example/acme/shop/src/dev/a.py#lines-3"
        );
        assert_eq!(
            Host::Gitea.file_url(url, "main", "a.py", None),
            "https://code.example/acme/shop/src/branch/main/a.py"
        );
        assert_eq!(
            Host::GitLab.commit_url(url, "abc"),
            "https://code.example/acme/shop/-/commit/abc"
        );
        assert_eq!(Host::guess("https://gitlab.acme.example/a/b"), Host::GitLab);
        assert_eq!(Host::guess("https://git.acme.example/a/b"), Host::GitHub);
        assert_eq!(Host::from_id("integrations:gitea"), Some(Host::Gitea));
        assert_eq!(Host::of(Some("gitlab"), "https://github.com/a/b"), Host::GitLab);
        assert_eq!(Host::of(None, "https://bitbucket.org/a/b"), Host::Bitbucket);
    }

    #[test]
    fn a_frame_links_only_through_a_repository_with_an_address() {
        let frame = file("app/views.py");
        assert_eq!(frame_url(&[mapping("app/", "src/app/", None)], &frame, Some(7)), None);
        let mut with_url =
            mapping("app/", "src/app/", Some("https://gitlab.acme.example/acme/shop"));
        assert_eq!(
            frame_url(std::slice::from_ref(&with_url), &frame, Some(7))
                .map(|(url, _)| url)
                .as_deref(),
            Some("https://gitlab.acme.example/acme/shop/-/blob/main/src/app/views.py#L7")
        );
        with_url.repo_provider = Some("github".into());
        assert_eq!(
            frame_url(&[with_url], &frame, Some(7)).map(|(url, _)| url).as_deref(),
            Some("https://gitlab.acme.example/acme/shop/blob/main/src/app/views.py#L7")
        );
    }
}
