//! Notifications to an issue's participants (its assignees and subscribers): on assignment to a
//! user or a team (never to the one who assigned), on a comment, a resolution and a regression;
//! who is subscribed (by commenting, being mentioned, changing the status, or asking), and who
//! unsubscribed; the inbox API; and the
//! emails (of notifications and of invitations), received by an SMTP sink on loopback (a
//! stand-in for a mail server, not a part of Cairn).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{send_error_with_breadcrumbs, TestServer};
use crate::members::{accept_path, member_id};

const PASSWORD: &str = "correct horse battery";

/// A member of the default organization with an API token.
fn member(server: &TestServer, email: &str) -> String {
    server.member_token(email)
}

async fn inbox(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, list) = server.get("/api/0/users/me/notifications/", token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().cloned().unwrap_or_default()
}

async fn unread(server: &TestServer, token: &str) -> i64 {
    let (status, count) = server.get("/api/0/users/me/notifications/unread/", token).await;
    assert_eq!(status, 200, "{count}");
    count["unread"].as_i64().expect("unread count")
}

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().filter_map(|n| n["type"].as_str()).collect()
}

/// Turns off the project's alert for new issues (it has a test of its own), so that a test of
/// assignments sees their notifications alone.
async fn without_new_issue_alerts(server: &TestServer, owner: &str, project: &str) {
    let path = format!("/api/0/projects/cairn/{project}/");
    let (status, answer) = server.put(&path, owner, json!({"newIssueAlerts": false})).await;
    assert_eq!(status, 200, "{answer}");
}

/// Puts the member `email` in `team`.
async fn join(server: &TestServer, owner: &str, email: &str, team: &str) {
    let id = member_id(server, owner, email).await;
    let path = format!("/api/0/organizations/cairn/members/{id}/teams/{team}/");
    let (status, answer) = server.post(&path, owner, json!({})).await;
    assert!(status == 201 || status == 204, "{answer}");
}

/// The user id of the caller of `token`.
pub(crate) async fn user_id(server: &TestServer, token: &str) -> String {
    let (_, me) = server.get("/api/0/", token).await;
    me["user"]["id"].as_str().expect("user id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_and_mentions_decide_who_hears_of_an_issue() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let alice = member(&server, "alice@example.com");
    let bob = member(&server, "bob@example.com");
    let carol = member(&server, "carol@example.com");
    let dave = member(&server, "dave@example.com");
    let dsn = server.create_project(&owner, "Shop").await;
    without_new_issue_alerts(&server, &owner, "shop").await;
    send_error_with_breadcrumbs(&dsn);
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    let issue_path = format!("/api/0/issues/{issue_id}/");
    let comments = format!("/api/0/issues/{issue_id}/comments/");

    // Nobody takes part yet.
    let (status, issue) = server.get(&issue_path, &alice).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["isSubscribed"], false);
    assert!(issue["subscriptionDetails"].is_null());
    assert_eq!(issue["participants"], json!([]));

    // Alice comments: she takes part.
    let (status, answer) = server.post(&comments, &alice, json!({"text": "looking"})).await;
    assert_eq!(status, 201, "{answer}");
    let (_, issue) = server.get(&issue_path, &alice).await;
    assert_eq!(issue["isSubscribed"], true);
    assert_eq!(issue["subscriptionDetails"], json!({"reason": "commented"}));
    assert!(inbox(&server, &alice).await.is_empty(), "not told of her own comment");

    // Bob mentions Carol: Alice and Carol hear of it, Carol takes part from now on.
    let carol_id = user_id(&server, &carol).await;
    let body = json!({"text": "@carol can you look?", "mentions": [format!("user:{carol_id}")]});
    let (status, answer) = server.post(&comments, &bob, body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(kinds(&inbox(&server, &alice).await), ["note"]);
    assert_eq!(kinds(&inbox(&server, &carol).await), ["note"]);
    let (_, issue) = server.get(&issue_path, &carol).await;
    assert_eq!(issue["subscriptionDetails"], json!({"reason": "mentioned"}));
    let (status, answer) =
        server.post(&comments, &bob, json!({"text": "x", "mentions": ["user:999999"]})).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["detail"].as_str().unwrap_or_default().contains("mentions"), "{answer}");

    // Carol unsubscribes; Dave asks to hear of it.
    let (status, issue) = server.put(&issue_path, &carol, json!({"isSubscribed": false})).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["isSubscribed"], false);
    let (status, issue) = server.put(&issue_path, &dave, json!({"isSubscribed": true})).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["subscriptionDetails"], json!({"reason": "unknown"}));

    // The owner resolves it: every participant but Carol (and the owner) hears of it.
    let (status, answer) = server.put(&issue_path, &owner, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(kinds(&inbox(&server, &alice).await), ["set_resolved", "note"]);
    assert_eq!(kinds(&inbox(&server, &bob).await), ["set_resolved"]);
    assert_eq!(kinds(&inbox(&server, &dave).await), ["set_resolved"]);
    assert_eq!(kinds(&inbox(&server, &carol).await), ["note"], "unsubscribed");
    assert!(inbox(&server, &owner).await.is_empty());
    // A later comment mentioning Carol again leaves her unsubscribed, as Sentry does.
    let body = json!({"text": "again", "mentions": [format!("user:{carol_id}")]});
    server.post(&comments, &bob, body).await;
    assert_eq!(kinds(&inbox(&server, &carol).await), ["note"]);

    // The participants, by name: those who commented, changed the status or asked.
    for path in [
        format!("/api/0/issues/{issue_id}/participants/"),
        format!("/api/0/organizations/cairn/issues/{issue_id}/participants/"),
    ] {
        let (status, list) = server.get(&path, &dave).await;
        assert_eq!(status, 200, "{list}");
        let mut emails: Vec<&str> =
            list.as_array().into_iter().flatten().filter_map(|u| u["email"].as_str()).collect();
        emails.sort_unstable();
        assert_eq!(
            emails,
            ["alice@example.com", "bob@example.com", "dave@example.com", "owner@example.com"]
        );
    }
    let (_, issue) = server.get(&issue_path, &owner).await;
    assert_eq!(issue["subscriptionDetails"], json!({"reason": "status_change"}));
    assert_eq!(issue["participants"].as_array().map(Vec::len), Some(4));

    // Merged into another issue, whose participants it joins (Carol's unsubscription too).
    server.post_envelope(&dsn, [("event", json!({"message": "Another failure"}))]).await;
    // (The list shows unresolved issues: the other one.)
    let new_one = |i: &Value| i["id"] != issue_id.as_str();
    let issues = server.wait_for_issues(&owner, |issues| issues.iter().any(new_one)).await;
    let other = issues.iter().find(|i| new_one(i)).expect("the other issue");
    let other = other["id"].as_str().expect("id").to_owned();
    // Erin takes part in the other one only: whichever becomes the parent, the merge brings
    // one side's subscriptions over.
    let erin = member(&server, "erin@example.com");
    let path = format!("/api/0/issues/{other}/comments/");
    let (status, answer) = server.post(&path, &erin, json!({"text": "me too"})).await;
    assert_eq!(status, 201, "{answer}");
    let path = format!("/api/0/organizations/cairn/issues/?id={issue_id}&id={other}");
    let (status, merged) = server.put(&path, &owner, json!({"merge": true})).await;
    assert_eq!(status, 200, "{merged}");
    let parent = merged["merge"]["parent"].as_str().expect("parent");
    let (_, list) = server.get(&format!("/api/0/issues/{parent}/participants/"), &owner).await;
    assert_eq!(list.as_array().map(Vec::len), Some(5), "{list}");
    let (_, issue) = server.get(&format!("/api/0/issues/{parent}/"), &carol).await;
    assert_eq!(issue["isSubscribed"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn participants_are_notified_of_assignment_comments_resolution_and_regressions() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let alice = member(&server, "alice@example.com");
    let bob = member(&server, "bob@example.com");
    let (status, team) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "payments"})).await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_str().expect("team id").to_owned();
    join(&server, &owner, "alice@example.com", "payments").await;
    join(&server, &owner, "bob@example.com", "payments").await;
    let dsn = server.create_project(&owner, "Backend").await;
    without_new_issue_alerts(&server, &owner, "backend").await;
    send_error_with_breadcrumbs(&dsn);
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    let issue_path = format!("/api/0/issues/{issue_id}/");

    // To a user: that user is told, with the issue and who assigned it.
    let (status, answer) =
        server.put(&issue_path, &owner, json!({"assignedTo": "alice@example.com"})).await;
    assert_eq!(status, 200, "{answer}");
    let list = inbox(&server, &alice).await;
    assert_eq!(kinds(&list), ["assigned"], "{list:#?}");
    assert_eq!(list[0]["issue"]["id"], issue_id.as_str());
    assert_eq!(list[0]["activity"]["user"]["email"], "owner@example.com");
    assert!(list[0]["dateRead"].is_null());
    assert!(inbox(&server, &owner).await.is_empty(), "the assigner is not notified");
    assert!(inbox(&server, &bob).await.is_empty());

    // To a team, by one of its members: the other members are told, not the assigner.
    let (status, answer) =
        server.put(&issue_path, &alice, json!({"assignedTo": format!("team:{team_id}")})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(kinds(&inbox(&server, &bob).await), ["assigned"]);
    assert_eq!(kinds(&inbox(&server, &alice).await), ["assigned"], "alice assigned it herself");
    // The same assignment again changes nothing and tells nobody.
    server.put(&issue_path, &alice, json!({"assignedTo": format!("team:{team_id}")})).await;
    assert_eq!(inbox(&server, &bob).await.len(), 1);

    // A comment by Bob tells the other assignees.
    let (status, answer) = server
        .post(&format!("/api/0/issues/{issue_id}/comments/"), &bob, json!({"text": "on it"}))
        .await;
    assert_eq!(status, 201, "{answer}");
    let list = inbox(&server, &alice).await;
    assert_eq!(kinds(&list), ["note", "assigned"], "newest first: {list:#?}");
    assert_eq!(list[0]["activity"]["data"]["text"], "on it");
    assert_eq!(kinds(&inbox(&server, &bob).await), ["assigned"]);

    // Resolving it tells the participants; the owner who resolved it takes part from now on.
    let (status, answer) = server.put(&issue_path, &owner, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(kinds(&inbox(&server, &bob).await), ["set_resolved", "assigned"]);
    // (The owner made the team, so is in it: told of the team's assignment and of the comment.)
    let owner_inbox = inbox(&server, &owner).await;
    assert!(!kinds(&owner_inbox).contains(&"set_resolved"), "who resolved it is not told");
    // A regression tells every participant.
    send_error_with_breadcrumbs(&dsn);
    for _ in 0..100 {
        if inbox(&server, &bob).await.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kinds(&inbox(&server, &bob).await), ["set_regression", "set_resolved", "assigned"]);
    assert!(inbox(&server, &bob).await[0]["activity"]["user"].is_null(), "Cairn did it");
    assert_eq!(
        kinds(&inbox(&server, &alice).await),
        ["set_regression", "set_resolved", "note", "assigned"]
    );
    assert_eq!(kinds(&inbox(&server, &owner).await)[0], "set_regression");

    // Pages of one, through the Link header.
    let response = server
        .http
        .get(format!("{}/api/0/users/me/notifications/?per_page=1", server.url))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("request sent");
    let link = response.headers()["link"].to_str().expect("ASCII").to_owned();
    let next = link
        .split(", ")
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| part.split("cursor=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("a next cursor")
        .to_owned();
    assert!(link.contains("rel=\"next\"; results=\"true\""), "{link}");
    let (_, page) = server
        .get(&format!("/api/0/users/me/notifications/?per_page=1&cursor={next}"), &alice)
        .await;
    assert_eq!(kinds(page.as_array().expect("a page")), ["set_resolved"]);

    // Marking read: by id (only one's own), then all.
    assert_eq!(unread(&server, &alice).await, 4);
    let alice_first = inbox(&server, &alice).await[0]["id"].as_str().expect("id").to_owned();
    let (status, answer) = server
        .put("/api/0/users/me/notifications/", &bob, json!({"ids": [alice_first.clone()]}))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(unread(&server, &alice).await, 4, "Bob cannot mark Alice's notifications");
    let (status, answer) =
        server.put("/api/0/users/me/notifications/", &alice, json!({"ids": [alice_first]})).await;
    assert_eq!((status, answer["unread"].as_i64()), (200, Some(3)), "{answer}");
    assert!(inbox(&server, &alice).await[0]["dateRead"].is_string());
    let (status, answer) =
        server.put("/api/0/users/me/notifications/", &alice, json!({"all": true})).await;
    assert_eq!((status, answer["unread"].as_i64()), (200, Some(0)), "{answer}");
    assert_eq!(unread(&server, &bob).await, 3, "Bob's are untouched");

    for (body, what) in [
        (json!({}), "nothing named"),
        (json!({"ids": ["x"]}), "a bad id"),
        (json!({"all": true, "isRead": false}), "unread"),
    ] {
        let (status, answer) = server.put("/api/0/users/me/notifications/", &alice, body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
    let (status, _) = server.get("/api/0/users/me/notifications/?cursor=x", &alice).await;
    assert_eq!(status, 400);
}

/// What the SMTP sink received: the envelope recipients and the message text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Mail {
    pub(crate) recipients: Vec<String>,
    pub(crate) data: String,
}

/// A minimal SMTP server on loopback that refuses its first connection (`421`, as a busy
/// server does) and accepts mail on the later ones; returns its port, what it received and
/// how many connections it saw.
pub(crate) async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>, Arc<Mutex<usize>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("sink listens");
    let port = listener.local_addr().expect("address").port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(Mutex::new(0));
    let (received, seen) = (mails.clone(), connections.clone());
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let first = {
                let mut seen = seen.lock().expect("lock");
                *seen += 1;
                *seen == 1
            };
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                if first {
                    let _ = write.write_all(b"421 sink busy, try later\r\n").await;
                    return;
                }
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut mail = Mail::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.recipients.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            mail.data.push_str(&data);
                            mail.data.push('\n');
                        }
                        received.lock().expect("lock").push(std::mem::take(&mut mail));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, mails, connections)
}

/// A server whose mail goes to a fresh [`smtp_sink`], sent from `Cairn <cairn@example.com>`;
/// with what the sink received and how many connections it saw.
async fn server_with_mail() -> (TestServer, Arc<Mutex<Vec<Mail>>>, Arc<Mutex<usize>>) {
    let (port, mails, connections) = smtp_sink().await;
    let port = port.to_string();
    let server = TestServer::start_with_env(&[
        ("CAIRN_SMTP_HOST", "127.0.0.1"),
        ("CAIRN_SMTP_PORT", &port),
        ("CAIRN_SMTP_FROM", "Cairn <cairn@example.com>"),
    ]);
    (server, mails, connections)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_assignee_gets_an_email_with_the_title_and_a_link() {
    let (server, mails, connections) = server_with_mail().await;
    let owner = server.owner_token("owner@example.com", PASSWORD);
    member(&server, "alice@example.com");
    let dsn = server.create_project(&owner, "Backend").await;
    without_new_issue_alerts(&server, &owner, "backend").await;
    send_error_with_breadcrumbs(&dsn);
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    let title = issues[0]["title"].as_str().expect("title").to_owned();

    let started = std::time::Instant::now();
    let (status, answer) = server
        .put(
            &format!("/api/0/issues/{issue_id}/"),
            &owner,
            json!({"assignedTo": "alice@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2), "the request does not wait on mail");

    // The first attempt meets a busy server; the retry, 5 s later, delivers.
    let mut mail = None;
    for _ in 0..300 {
        if let Some(found) = mails.lock().expect("lock").first().cloned() {
            mail = Some(found);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mail = mail.expect("the sink received an email within 30 s");
    assert!(*connections.lock().expect("lock") >= 2, "a failed attempt was retried");
    assert_eq!(mail.recipients, ["alice@example.com"]);
    let subject = format!("Subject: Assigned: {title}");
    assert!(mail.data.contains(&subject), "{subject:?} in {}", mail.data);
    let link = format!("{}/organizations/cairn/issues/{issue_id}/", server.url);
    assert!(mail.data.contains(&link), "{link} in {}", mail.data);
    assert!(mail.data.contains("From: Cairn <cairn@example.com>"), "{}", mail.data);
    // Only the assignee is mailed: the owner assigned, so nobody else is told.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mails.lock().expect("lock").len(), 1);
}

/// The `n`th mail the sink receives, waiting up to 30 s (a first attempt meets the sink's
/// refusal and is retried 5 s later).
async fn nth_mail(mails: &Mutex<Vec<Mail>>, n: usize) -> Mail {
    for _ in 0..300 {
        if let Some(found) = mails.lock().expect("lock").get(n).cloned() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sink received no mail number {n} within 30 s");
}

/// A mail's text with quoted-printable's soft line breaks and `=XX` escapes undone (lettre
/// encodes bodies with lines over 76 characters so).
pub(crate) fn decoded(data: &str) -> String {
    let joined = data.replace("=\n", "");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        match u8::from_str_radix(rest.get(at + 1..at + 3).unwrap_or(""), 16) {
            Ok(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 3..];
            }
            Err(_) => {
                out.push('=');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_is_emailed_with_its_link_and_resending_mails_a_new_one() {
    let (server, mails, connections) = server_with_mail().await;
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let (_, organization) = server.get("/api/0/organizations/cairn/", &owner).await;
    let org_name = organization["name"].as_str().expect("organization name").to_owned();
    let (_, me) = server.get("/api/0/", &owner).await;
    let owner_name = me["user"]["name"].as_str().expect("owner name").to_owned();

    let started = std::time::Instant::now();
    let (status, invite) = server
        .post(
            "/api/0/organizations/cairn/members/",
            &owner,
            json!({"email": "newcomer@example.com", "orgRole": "admin"}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    assert!(started.elapsed() < Duration::from_secs(2), "the request does not wait on mail");
    assert_eq!(invite["inviteEmailed"], true, "{invite}");
    let first_link = invite["inviteLink"].as_str().expect("inviteLink").to_owned();

    let mail = nth_mail(&mails, 0).await;
    assert!(*connections.lock().expect("lock") >= 2, "a failed attempt was retried");
    assert_eq!(mail.recipients, ["newcomer@example.com"]);
    let text = decoded(&mail.data);
    assert!(text.contains(&format!("Subject: Join {org_name} on Cairn")), "{text}");
    assert!(text.contains("From: Cairn <cairn@example.com>"), "{text}");
    assert!(text.contains(&format!("{owner_name} invited you")), "{text}");
    assert!(text.contains("as Admin"), "{text}");
    assert!(text.contains(&first_link), "{first_link} in {text}");

    // Sentry's "resend invite": Cairn keeps only a hash of the link's secret, so the email
    // carries a new link and the first one stops working.
    let id = invite["id"].as_str().expect("member id");
    let (status, resent) = server
        .put(
            &format!("/api/0/organizations/cairn/members/{id}/"),
            &owner,
            json!({"reinvite": true}),
        )
        .await;
    assert_eq!(status, 200, "{resent}");
    assert_eq!(resent["inviteEmailed"], true, "{resent}");
    let second_link = resent["inviteLink"].as_str().expect("a new inviteLink").to_owned();
    assert_ne!(second_link, first_link);
    let mail = nth_mail(&mails, 1).await;
    assert_eq!(mail.recipients, ["newcomer@example.com"]);
    assert!(decoded(&mail.data).contains(&second_link), "{second_link} in {}", mail.data);
    let (status, _) = server.get(&accept_path(&first_link), &owner).await;
    assert_ne!(status, 200, "the first link no longer works");
    let (status, details) = server.get(&accept_path(&second_link), &owner).await;
    assert_eq!(status, 200, "{details}");

    // Nothing else was mailed, and a member who has joined cannot be re-invited.
    assert_eq!(mails.lock().expect("lock").len(), 2);
    let owner_id = member_id(&server, &owner, "owner@example.com").await;
    let (status, refused) = server
        .put(
            &format!("/api/0/organizations/cairn/members/{owner_id}/"),
            &owner,
            json!({"reinvite": true}),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["detail"], "reinvite: this member has already accepted the invitation.");
}

/// Notifications of one kind for one issue in `token`'s inbox.
async fn count_of(server: &TestServer, token: &str, kind: &str, issue_id: &str) -> usize {
    inbox(server, token)
        .await
        .iter()
        .filter(|n| n["type"] == kind && n["issue"]["id"] == issue_id)
        .count()
}

/// The id of the issue whose title mentions `text`, waiting for it.
async fn issue_titled(server: &TestServer, token: &str, text: &str) -> String {
    let issues = server
        .wait_for_issues(token, |issues| {
            issues.iter().any(|i| i["title"].as_str().is_some_and(|t| t.contains(text)))
        })
        .await;
    let issue = issues.iter().find(|i| i["title"].as_str().is_some_and(|t| t.contains(text)));
    issue.and_then(|i| i["id"].as_str()).expect("the issue").to_owned()
}

/// Sentry's default issue alert: a new issue notifies the members of the project's team, or
/// the owners its ownership rules name; a later event of it does not; the project's setting
/// turns it off.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_issue_notifies_its_owners_or_else_the_projects_team() {
    // Everyone is in the project's team, `cairn` (members join the teams there are), and the
    // owner and `dev` in `billing`; then `other` leaves the project's team.
    let (server, owner, dev, other, dsn, _) = crate::ownership::setup().await;
    let (_, details) = server.get("/api/0/projects/cairn/shop/", &owner).await;
    assert_eq!(details["newIssueAlerts"], true, "on by default, as Sentry's default rule");
    let status = server.delete("/api/0/organizations/cairn/members/me/teams/cairn/", &other).await;
    assert!(status == 200 || status == 204, "other leaves the team: {status}");

    // No ownership rules: the project's team hears of it.
    crate::ownership::send_error(&dsn, "src/web/home.rs", "home page broke").await;
    let home = issue_titled(&server, &owner, "home page broke").await;
    assert_eq!(count_of(&server, &owner, "new_issue", &home).await, 1);
    assert_eq!(count_of(&server, &dev, "new_issue", &home).await, 1);
    assert_eq!(count_of(&server, &other, "new_issue", &home).await, 0, "not in the team");
    let note = inbox(&server, &owner).await.into_iter().find(|n| n["issue"]["id"] == home);
    assert!(note.is_some_and(|n| n["issue"]["title"].as_str().is_some_and(|t| t.contains("home"))));

    // An ownership rule names the owner of billing code: only they hear of its new issue.
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"raw": "path:src/billing/** dev@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    crate::ownership::send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
    let billing = issue_titled(&server, &owner, "card declined").await;
    assert_eq!(count_of(&server, &dev, "new_issue", &billing).await, 1, "the owner by rule");
    assert_eq!(count_of(&server, &owner, "new_issue", &billing).await, 0);
    assert_eq!(count_of(&server, &other, "new_issue", &billing).await, 0);

    // The same issue again: nothing new.
    crate::ownership::send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
    server
        .wait_for_issues(&owner, |issues| {
            issues.iter().any(|i| i["id"] == billing && i["count"].as_str() == Some("2"))
        })
        .await;
    assert_eq!(count_of(&server, &dev, "new_issue", &billing).await, 1);

    // Turned off for the project: a new issue notifies nobody.
    let (status, details) =
        server.put("/api/0/projects/cairn/shop/", &owner, json!({"newIssueAlerts": false})).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["newIssueAlerts"], false);
    crate::ownership::send_error(&dsn, "src/web/search.rs", "search broke").await;
    let search = issue_titled(&server, &owner, "search broke").await;
    for token in [&owner, &dev, &other] {
        assert_eq!(count_of(&server, token, "new_issue", &search).await, 0);
    }
}

/// Sentry's user notification options: a user who wants no emails of issue alerts still sees
/// new issues in the inbox, but only their workflow emails (an assignment) reach the mail
/// server; options are the caller's own.
#[tokio::test(flavor = "multi_thread")]
async fn a_user_turns_off_the_emails_of_issue_alerts_and_keeps_the_others() {
    let (server, mails, _) = server_with_mail().await;
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let alice = member(&server, "alice@example.com");
    let (_, me) = server.get("/api/0/", &alice).await;
    let alice_id = me["user"]["id"].as_str().expect("alice's id").to_owned();

    // Nothing set: Sentry's default, every email.
    let (status, options) = server.get("/api/0/users/me/notification-options/", &alice).await;
    assert_eq!((status, options.clone()), (200, json!([])), "{options}");
    let option = json!({"scopeType": "user", "scopeIdentifier": alice_id, "type": "alerts",
                        "value": "never"});
    let (status, set) = server.put("/api/0/users/me/notification-options/", &alice, option).await;
    assert_eq!(status, 201, "{set}");
    assert_eq!(
        (&set["type"], &set["value"], &set["scopeIdentifier"]),
        (&json!("alerts"), &json!("never"), &json!(alice_id))
    );
    let (_, options) =
        server.get("/api/0/users/me/notification-options/?type=workflow", &alice).await;
    assert_eq!(options, json!([]), "only the type asked for");
    // Someone else's options, another scope, an unknown type or value: refused.
    let (_, owner_me) = server.get("/api/0/", &owner).await;
    let owner_id = owner_me["user"]["id"].as_str().expect("owner's id");
    for (body, status) in [
        (
            json!({"scopeType": "user", "scopeIdentifier": owner_id, "type": "alerts", "value": "never"}),
            403,
        ),
        (json!({"scopeType": "organization", "type": "alerts", "value": "never"}), 400),
        (json!({"scopeType": "user", "type": "deploy", "value": "never"}), 400),
        (json!({"scopeType": "user", "type": "alerts", "value": "sometimes"}), 400),
    ] {
        let (got, answer) = server.put("/api/0/users/me/notification-options/", &alice, body).await;
        assert_eq!(got, status, "{answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }

    // A new issue: in Alice's inbox, not in her mail.
    let dsn = server.create_project(&owner, "Backend").await;
    send_error_with_breadcrumbs(&dsn);
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    assert_eq!(count_of(&server, &alice, "new_issue", &issue_id).await, 1, "still in the inbox");
    // Assigned to her: that email comes (after the sink's first refusal, 5 s later).
    let (status, answer) = server
        .put(
            &format!("/api/0/issues/{issue_id}/"),
            &owner,
            json!({"assignedTo": "alice@example.com"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // Both the assignment's email and the owner's new-issue email (the owner kept the default;
    // whichever met the sink's refusal first is retried 5 s later).
    let owners_new_issue =
        |m: &Mail| m.recipients == ["owner@example.com"] && m.data.contains("Subject: New issue");
    let mut delivered = Vec::new();
    for _ in 0..300 {
        delivered = mails.lock().expect("lock").clone();
        let assigned = delivered.iter().any(|m| m.data.contains("Subject: Assigned"));
        if assigned && delivered.iter().any(owners_new_issue) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let to_alice: Vec<&Mail> =
        delivered.iter().filter(|m| m.recipients == ["alice@example.com"]).collect();
    assert_eq!(to_alice.len(), 1, "the assignment only: {to_alice:?}");
    assert!(to_alice[0].data.contains("Subject: Assigned"), "{:?}", to_alice[0]);
    assert!(delivered.iter().any(owners_new_issue), "{delivered:?}");
}

/// Waits up to 30 s for a mail to `to` whose text holds `subject`.
pub(crate) async fn wait_for_mail(mails: &Arc<Mutex<Vec<Mail>>>, to: &str, subject: &str) -> Mail {
    for _ in 0..300 {
        let found = mails
            .lock()
            .expect("lock")
            .iter()
            .find(|mail| mail.recipients.iter().any(|r| r == to) && mail.data.contains(subject))
            .cloned();
        if let Some(mail) = found {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail {subject:?} to {to} within 30 s: {:?}", mails.lock().expect("lock"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_is_emailed_when_their_password_or_second_factor_changes() {
    let (server, mails, _) = server_with_mail().await;
    server.member_token("dev@example.com");
    let login = server
        .http
        .post(format!("{}/api/0/auth/login/", server.url))
        .json(&json!({"username": "dev@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let session = |method: reqwest::Method, path: &str, body: Value| {
        server
            .http
            .request(method, format!("{}{path}", server.url))
            .header("cookie", &cookie)
            .json(&body)
            .send()
    };

    let new = "another long passphrase";
    let change = json!({"password": PASSWORD, "passwordNew": new, "passwordVerify": new});
    let changed =
        session(reqwest::Method::PUT, "/api/0/users/me/password/", change).await.expect("sent");
    assert_eq!(changed.status().as_u16(), 204);
    let mail =
        wait_for_mail(&mails, "dev@example.com", "Subject: Your Cairn password was changed").await;
    assert!(
        mail.data.contains("The password of your Cairn account dev@example.com was changed"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("from 127.0.0.1"), "{}", mail.data);
    let page = format!("{}/settings/account/details/", server.url);
    assert!(mail.data.contains(&page), "{}", mail.data);

    // Two-factor authentication on, then off.
    let enroll = "/api/0/users/me/authenticators/totp/enroll/";
    let offer: Value = session(reqwest::Method::GET, enroll, Value::Null)
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let secret = offer["secret"].as_str().expect("secret");
    let code = crate::common::totp_code(secret, chrono::Utc::now().timestamp() / 30);
    let proof = json!({"secret": secret, "otp": code, "password": new});
    assert_eq!(
        session(reqwest::Method::POST, enroll, proof).await.expect("sent").status().as_u16(),
        200
    );
    wait_for_mail(&mails, "dev@example.com", "Subject: Two-factor authentication is on").await;
    let remove = json!({"password": new});
    let removed = session(reqwest::Method::DELETE, "/api/0/users/me/authenticators/totp/", remove)
        .await
        .expect("sent");
    assert_eq!(removed.status().as_u16(), 204);
    wait_for_mail(&mails, "dev@example.com", "Subject: Two-factor authentication is off").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_weekly_report_tells_members_what_the_week_brought() {
    let (port, mails, _) = smtp_sink().await;
    let port = port.to_string();
    let server = TestServer::start_with_env(&[
        ("CAIRN_SMTP_HOST", "127.0.0.1"),
        ("CAIRN_SMTP_PORT", &port),
        ("CAIRN_SMTP_FROM", "Cairn <cairn@example.com>"),
    ]);
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let dev = member(&server, "dev@example.com");
    // A member who turned the report off.
    let option = json!({"scopeType": "user", "type": "reports", "value": "never"});
    let (status, set) = server.put("/api/0/users/me/notification-options/", &dev, option).await;
    assert_eq!(status, 201, "{set}");

    // A week of a project: two events of one error, one of another, which is resolved.
    let dsn = server.create_project(&owner, "Backend").await;
    without_new_issue_alerts(&server, &owner, "backend").await;
    for text in ["payment declined", "payment declined", "cart lost"] {
        crate::common::capture_message(&dsn, "backend@1.0", text).await;
    }
    let issues = server
        .wait_for_issues(&owner, |issues| {
            issues.iter().map(|i| i["count"].as_str().unwrap_or("0")).collect::<Vec<_>>()
                == ["2", "1"]
                || issues.iter().map(|i| i["count"].as_str().unwrap_or("0")).collect::<Vec<_>>()
                    == ["1", "2"]
        })
        .await;
    let cart = issues.iter().find(|i| i["title"] == "cart lost").expect("the cart issue");
    let path = format!("/api/0/issues/{}/", cart["id"].as_str().expect("id"));
    assert_eq!(server.put(&path, &owner, json!({"status": "resolved"})).await.0, 200);

    // The week ending tomorrow (UTC) holds all of it.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", &port, "--public-url", &server.url];
    let mut args = vec!["send-weekly-reports", "--week-ending", &tomorrow];
    args.extend_from_slice(&smtp);
    let printed = server.cli(&args);
    assert!(printed.contains("to owner@example.com"), "{printed}");
    assert!(!printed.contains("dev@example.com"), "dev turned it off: {printed}");
    let mail = wait_for_mail(&mails, "owner@example.com", "Subject: Weekly report for").await;
    let text = decoded(&mail.data);
    let payment = issues.iter().find(|i| i["title"] == "payment declined").expect("payment");
    let short_id = payment["shortId"].as_str().expect("short id");
    for line in [
        "Errors: 3\n",
        "New issues: 2\n",
        "Resolved issues: 1\n",
        "  backend: 3 errors, 2 new issues, 1 resolved\n",
        &format!("  {short_id}  payment declined (2 events)\n"),
        &format!(
            "{}/organizations/cairn/issues/{}/",
            server.url,
            payment["id"].as_str().expect("id")
        ),
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(!mails
        .lock()
        .expect("lock")
        .iter()
        .any(|m| m.recipients.contains(&"dev@example.com".into())));

    // One member asked for it by name gets it whatever they set; a week before the project
    // existed has nothing in it.
    let mut args =
        vec!["send-weekly-reports", "--to", "dev@example.com", "--week-ending", &tomorrow];
    args.extend_from_slice(&smtp);
    assert!(server.cli(&args).contains("to dev@example.com"));
    wait_for_mail(&mails, "dev@example.com", "Subject: Weekly report for").await;
    let mut args =
        vec!["send-weekly-reports", "--to", "dev@example.com", "--week-ending", "2020-01-06"];
    args.extend_from_slice(&smtp);
    server.cli(&args);
    let mail = nth_mail(&mails, 2).await;
    assert!(decoded(&mail.data).contains("Errors: 0\n"), "{}", mail.data);
}
