// Every live event's type, declared once on the server (EventType in
// liaison/core/events.py, with each payload's shape) and mirrored here;
// tests/unit/test_events.py keeps the two lists equal. Screens listen with
// `app.live.on(EVENT.MESSAGE_CREATED, …)`, never with a string of their own.
export const EVENT = Object.freeze({
  THREAD_CREATED: "thread.created",
  THREAD_UPDATED: "thread.updated",
  MESSAGE_CREATED: "message.created",
  MESSAGE_UPDATED: "message.updated",
  MESSAGE_RECALLED: "message.recalled",
  RECEIPT_UPDATED: "receipt.updated",
  ACK_CREATED: "ack.created",
  SIGNUP_UPDATED: "signup.updated",
  ABSENCE_REPORTED: "absence.reported",
  ABSENCE_UNSEEN: "absence.unseen",
  ABSENCE_CANCELLED: "absence.cancelled",
  CONSENT_UPDATED: "consent.updated",
  POST_PUBLISHED: "post.published",
  POST_SUBMITTED: "post.submitted",
  POST_UPDATED: "post.updated",
  POST_REJECTED: "post.rejected",
  POST_DELETED: "post.deleted",
  COMMENT_CREATED: "comment.created",
  COMMENT_REMOVED: "comment.removed",
  REALISATION_CREATED: "realisation.created",
  REALISATION_DELETED: "realisation.deleted",
});
