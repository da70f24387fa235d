//! Sentry's permission scopes and what each organization role grants.

/// Every scope Cairn knows, in Sentry's names.
pub const ALL_SCOPES: &[&str] = cairn_types::api::SCOPES;

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
        "alerts:read",
        "alerts:write",
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
        "alerts:read",
        "alerts:write",
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
        "alerts:read",
        "alerts:write",
    ];
    match role {
        "owner" => ALL_SCOPES,
        "manager" => MANAGER,
        "admin" => ADMIN,
        "member" => MEMBER,
        _ => &[],
    }
}

/// Sentry's organization roles, lowest first: each grants at least what the one before does.
pub const ROLES: &[&str] = &["member", "admin", "manager", "owner"];

/// The position of a role in [`ROLES`]; `None` for an unknown role.
pub fn role_rank(role: &str) -> Option<usize> {
    ROLES.iter().position(|r| *r == role)
}

/// Whether someone with role `actor` may give role `granted` (or act on a member who has it):
/// nobody may hand out more than they have, as in Sentry.
pub fn can_grant(actor: &str, granted: &str) -> bool {
    match (role_rank(actor), role_rank(granted)) {
        (Some(actor), Some(granted)) => granted <= actor,
        _ => false,
    }
}

/// A role's display name, Sentry's `roleName`.
pub fn role_name(role: &str) -> &'static str {
    match role {
        "owner" => "Owner",
        "manager" => "Manager",
        "admin" => "Admin",
        "member" => "Member",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_nobody_grants_above_their_own() {
        assert!(role_rank("member") < role_rank("admin"));
        assert!(role_rank("admin") < role_rank("manager"));
        assert!(role_rank("manager") < role_rank("owner"));
        assert_eq!(role_rank("superhero"), None);
        assert!(can_grant("owner", "owner"));
        assert!(can_grant("manager", "manager"));
        assert!(can_grant("manager", "member"));
        assert!(!can_grant("admin", "owner"));
        assert!(!can_grant("admin", "manager"));
        assert!(!can_grant("member", "admin"));
        assert!(!can_grant("owner", "superhero"));
        assert!(!can_grant("stranger", "member"));
        // Every role's scopes include those of the roles below it.
        for pair in ROLES.windows(2) {
            let (lower, higher) = (role_scopes(pair[0]), role_scopes(pair[1]));
            assert!(lower.iter().all(|s| higher.contains(s)), "{pair:?}");
        }
    }

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
