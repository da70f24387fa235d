//! Sentry's permission scopes and what each organization role grants.

/// Every scope Cairn knows, in Sentry's names.
pub const ALL_SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "member:read",
    "member:write",
    "member:admin",
    "team:read",
    "team:write",
    "team:admin",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "event:read",
    "event:write",
    "event:admin",
];

/// The scopes an organization role grants, as Sentry's default roles do.
pub fn role_scopes(role: &str) -> &'static [&'static str] {
    const MEMBER: &[&str] = &[
        "org:read",
        "member:read",
        "team:read",
        "project:read",
        "project:releases",
        "event:read",
        "event:write",
        "event:admin",
    ];
    const ADMIN: &[&str] = &[
        "org:read",
        "member:read",
        "team:read",
        "team:write",
        "team:admin",
        "project:read",
        "project:write",
        "project:admin",
        "project:releases",
        "event:read",
        "event:write",
        "event:admin",
    ];
    const MANAGER: &[&str] = &[
        "org:read",
        "org:write",
        "member:read",
        "member:write",
        "member:admin",
        "team:read",
        "team:write",
        "team:admin",
        "project:read",
        "project:write",
        "project:admin",
        "project:releases",
        "event:read",
        "event:write",
        "event:admin",
    ];
    match role {
        "owner" => ALL_SCOPES,
        "manager" => MANAGER,
        "admin" => ADMIN,
        "member" => MEMBER,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_growing_scopes() {
        assert!(role_scopes("owner").contains(&"org:admin"));
        assert!(!role_scopes("manager").contains(&"org:admin"));
        assert!(role_scopes("admin").contains(&"project:write"));
        assert!(!role_scopes("member").contains(&"project:write"));
        assert!(role_scopes("member").contains(&"event:read"));
        assert!(role_scopes("stranger").is_empty());
    }
}
