package server

// ErrSignInNotValid answers a sign-in with a password that opens no session: no account
// has that email or username, the password is wrong, or the account is deactivated. The
// three are one answer, made after the same work and counted alike against the limits,
// so that it confirms neither that an account exists nor, for a deactivated one, that a
// guessed password is right; it says what a person can do in each case.
var ErrSignInNotValid = Errorf(EUNAUTHENTICATED, signInNotValid)

const signInNotValid = "The email and password do not match an active account: check both, or ask an admin of your organization whether your account was deactivated."
