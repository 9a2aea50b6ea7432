//! The operations the fake server serves, by name ([`Action`]): where
//! each is served, and its place in the per-operation counts.

/// The operations served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Ping,
    InviteContacts,
    GetInvitedContactList,
    GetContactList,
    AddOrUpdateContact,
    GetEventList,
    GetEvent,
    BatchRun,
    BatchProgress,
    BatchResults,
}

impl Action {
    /// Every operation, in the order of [`Action::index`].
    pub(crate) const ALL: [Action; 10] = [
        Action::Ping,
        Action::InviteContacts,
        Action::GetInvitedContactList,
        Action::GetContactList,
        Action::AddOrUpdateContact,
        Action::GetEventList,
        Action::GetEvent,
        Action::BatchRun,
        Action::BatchProgress,
        Action::BatchResults,
    ];

    pub(crate) fn of(namespace: &str, action: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.namespace_action() == (namespace, action))
    }

    /// Where the operation is served.
    pub(crate) fn namespace_action(self) -> (&'static str, &'static str) {
        match self {
            Action::Ping => ("test", "ping"),
            Action::InviteContacts => ("event", "inviteContacts"),
            Action::GetInvitedContactList => ("event", "getInvitedContactList"),
            Action::GetContactList => ("contact", "getContactList"),
            Action::AddOrUpdateContact => ("contact", "addOrUpdateContact"),
            Action::GetEventList => ("event", "getEventList"),
            Action::GetEvent => ("event", "getEvent"),
            Action::BatchRun => ("batch", "run"),
            Action::BatchProgress => ("batch", "progress"),
            Action::BatchResults => ("batch", "results"),
        }
    }

    /// True for the calls a batch job may carry here (those the spec's
    /// `BatchJob` lists).
    pub(crate) fn batchable(self) -> bool {
        matches!(
            self,
            Action::InviteContacts | Action::AddOrUpdateContact | Action::GetContactList
        )
    }

    /// The operation's place in [`Action::ALL`], for per-operation counts.
    pub(crate) fn index(self) -> usize {
        Self::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }
}
