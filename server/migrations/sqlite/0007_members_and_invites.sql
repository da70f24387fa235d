-- Members get a surrogate id, as Sentry's OrganizationMember does, so that a pending invitation
-- (no user yet: `user_id` NULL) is a member row with an id that links and the API can name.
-- SQLite cannot change a primary key in place: the table is recreated and its rows copied
-- (nothing references it by foreign key).
CREATE TABLE organization_members_new (
    id                INTEGER PRIMARY KEY,
    organization_id   INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- NULL while the invitation is pending
    user_id           INTEGER REFERENCES users (id) ON DELETE CASCADE,
    -- owner, manager, admin or member (Sentry's organization roles)
    role              TEXT    NOT NULL,
    date_added        INTEGER NOT NULL,
    -- the address an invitation was sent to (NULL for members added directly)
    email             TEXT,
    -- SHA-256 (hex) of the invitation link's secret; NULL once accepted
    invite_token_hash TEXT UNIQUE,
    -- Unix milliseconds after which the invitation link no longer works
    invite_expires    INTEGER,
    inviter_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (organization_id, user_id)
);

INSERT INTO organization_members_new (organization_id, user_id, role, date_added)
SELECT organization_id, user_id, role, date_added FROM organization_members
ORDER BY date_added, user_id;

DROP TABLE organization_members;
ALTER TABLE organization_members_new RENAME TO organization_members;

-- One pending invitation per address and organization.
CREATE UNIQUE INDEX organization_members_pending_email
    ON organization_members (organization_id, email) WHERE user_id IS NULL;
CREATE INDEX organization_members_user ON organization_members (user_id);

-- A member's role in a team (Sentry's team roles: NULL is `contributor`, or `admin`).
ALTER TABLE team_members ADD COLUMN role TEXT;

-- The teams an invitation puts its member in once accepted.
CREATE TABLE organization_member_invite_teams (
    member_id INTEGER NOT NULL REFERENCES organization_members (id) ON DELETE CASCADE,
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role      TEXT,
    PRIMARY KEY (member_id, team_id)
);
