package app

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// The pages main.go routes to. Paths are relative to the widget's root, so the same
// routes work under a sub-path prefix.

// UsersPage is the user list with its count ("/").
func UsersPage() app.Composer { return newUserList() }

// UserPage creates ("/users/new") or edits ("/users/{id}") a user.
func UserPage() app.Composer { return newUserEdit() }

// SignInPage is the sign-in form ("/sign-in").
func SignInPage() app.Composer { return newSignIn() }

// AccountPage changes the password of the person signed in ("/account").
func AccountPage() app.Composer { return newAccount() }

// ResetPasswordPage completes a password reset from a one-time link ("/reset-password").
func ResetPasswordPage() app.Composer { return newResetPassword() }

// UserPathPattern matches the paths of UserPage.
const UserPathPattern = "^/users/[^/]+$"
