//! Who else has opened an issue (Sentry's *Seen by*): the issue page's sidebar lists the other
//! members, the most recent first, with when they last looked. It tells a team whether someone
//! is already on it before an assignee is set.

use cairn_types::api::SeenBy;
use leptos::prelude::*;

use super::TimeAgo;

/// The members in `seen_by` other than `current_user` (a user id); nothing when there are none.
#[component]
pub fn SeenByList(
    /// The issue's `seenBy`.
    seen_by: Vec<SeenBy>,
    /// The caller's user id, left out as Sentry does: they know they have seen it.
    #[prop(into)]
    current_user: String,
) -> impl IntoView {
    let others: Vec<SeenBy> =
        seen_by.into_iter().filter(|seen| seen.user.id != current_user).collect();
    (!others.is_empty()).then(|| {
        view! {
            <section id="issue-seen-by" class="card">
                <h3>"Seen by"</h3>
                <ul class="owner-list seen-by">
                    {others
                        .into_iter()
                        .map(|seen| {
                            view! {
                                <li class="owner seen" title=seen.user.email>
                                    <span class="seen-name">{seen.user.name}</span>
                                    " "
                                    <TimeAgo time=seen.last_seen/>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}
