//! Why a workflow step (moving a deal, advancing a ticket, approving a discount) was
//! refused. One variant per reason, like [`Problem`](crate::validation::Problem), so the
//! UI can say exactly what to do next and tests can assert the exact reason.

use serde::{Deserialize, Serialize};

/// A refused workflow step. Form input problems are [`FieldError`](crate::FieldError)s
/// instead; these are about the record's state, not about what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum WorkflowError {
    /// The step is not one of the allowed moves from the current state (`from`/`to` are
    /// the `as_str` names of the states, so the UI can translate them).
    #[error("cannot move from {from} to {to}; use one of the allowed next steps")]
    IllegalTransition { from: String, to: String },
    /// A ticket cannot be assigned without someone responsible for it.
    #[error("choose an owner before assigning the ticket")]
    OwnerRequired,
    /// A ticket cannot be marked resolved without saying how it was resolved.
    #[error("describe the resolution before marking the ticket resolved")]
    ResolutionRequired,
    /// A ticket cannot be closed before the customer's satisfaction is recorded.
    #[error("record the customer's satisfaction (1 to 5) before closing the ticket")]
    SatisfactionRequired,
    /// Satisfaction scores go from 1 (very unhappy) to 5 (very happy).
    #[error("satisfaction {value} is not allowed; enter a score from 1 to 5")]
    SatisfactionOutOfRange { value: u8 },
    /// The deal's discount is above the approval limit and nobody has approved it yet.
    #[error("the discount is waiting for a manager's approval; ask a manager to approve it first")]
    ApprovalPending,
    /// A manager rejected the discount.
    #[error("a manager rejected the discount; lower the discount to ask for approval again")]
    ApprovalRejected,
    /// Only managers and admins can approve or reject discounts.
    #[error("only a manager or an admin can approve or reject a discount")]
    ManagerRequired,
    /// Approve/reject was asked for a deal that is not waiting for approval.
    #[error("this deal is not waiting for approval")]
    NothingToApprove,
    /// A closed ticket is final; open a new ticket for a new complaint.
    #[error("the ticket is closed; open a new ticket instead")]
    AlreadyClosed,
}
