package storetest

import (
	"context"
	"testing"
	"time"

	"useradmin/server"
)

// An admin may make API keys for the users of their organization, other admins too. Such
// a key works only while its issuer is still an active admin: demoted, deactivated or
// deleted, the issuer keeps no way to act as the user through it, not with the key, not
// with a context authenticated before, not through an embed token minted with it. Ann's
// and Uma's own keys are untouched, and a demoted issuer's own key works, as a USER's.
func testAuthService_KeysOfAFormerAdmin(t *testing.T, open Open) {
	f := newFixture(t, open)
	uma := f.mustCreateUser(t, f.adminCtx, "uma@acme.example", "Uma", "User", server.RoleUser)
	for _, how := range formerAdmin {
		t.Run(how, func(t *testing.T) {
			issuer := f.mustCreateUser(t, f.adminCtx, how+"@acme.example", "Ida", how, server.RoleAdmin)
			issuerCtx, _ := f.mustUserContext(t, f.adminCtx, issuer)
			own, err := f.auth.CreateAPIKey(issuerCtx, server.APIKeyCreate{Name: "own"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			forAnn, err := f.auth.CreateAPIKey(issuerCtx, server.APIKeyCreate{Name: "as Ann"}, &server.UserRef{ID: f.admin.ID})
			if err != nil {
				t.Fatal(err)
			}
			forUma, err := f.auth.CreateAPIKey(issuerCtx, server.APIKeyCreate{Name: "as Uma"}, &server.UserRef{ID: uma.ID})
			if err != nil {
				t.Fatal(err)
			}
			// The embed token needs a key of an admin as itself: Ann's, made by the issuer.
			asAnn := f.mustAuthenticate(t, forAnn.Key)
			tok, err := f.store.EmbedTokens.CreateEmbedToken(asAnn, server.EmbedTokenCreate{UserID: uma.ID, Origin: portalOrigin, Lifetime: time.Hour}, allowedOrigins)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.auth.Authenticate(fromOrigin(portalOrigin), tok.Token); err != nil {
				t.Fatalf("the embed token does not work before: %v", err)
			}

			f.removeAdmin(t, issuer, how)

			for _, key := range []*server.APIKey{forAnn, forUma} {
				_, err := f.auth.Authenticate(context.Background(), key.Key)
				assertCode(t, err, server.EUNAUTHENTICATED)
				_, err = f.auth.AuthenticatePair(context.Background(), key.ID, key.Key)
				assertCode(t, err, server.EUNAUTHENTICATED)
			}
			if _, err := f.auth.Authenticate(fromOrigin(portalOrigin), tok.Token); err == nil {
				t.Error("the embed token minted with the issuer's key for Ann still works")
			}
			// A context authenticated before the change writes nothing after it.
			f.assertUnchanged(t, func() error {
				_, err := f.users.UpdateUser(asAnn, server.UserRef{ID: uma.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
				assertCode(t, err, server.EUNAUTHENTICATED)
				_, err = f.users.CreateUser(asAnn, server.UserCreate{Email: "mole@acme.example", Password: password, Role: server.RoleAdmin})
				assertCode(t, err, server.EUNAUTHENTICATED)
				_, err = f.auth.CreateAPIKey(asAnn, server.APIKeyCreate{Name: "another"}, nil)
				assertCode(t, err, server.EUNAUTHENTICATED)
				return nil
			})
			if _, err := f.users.CountUsers(asAnn, server.UserFilter{}); server.ErrorCode(err) != server.EUNAUTHENTICATED {
				t.Errorf("a read through the key for Ann: %v", err)
			}
			// Ann's own key and Uma's own work; the issuer's own, as what they are now.
			if _, err := f.users.CountUsers(f.adminCtx, server.UserFilter{}); err != nil {
				t.Errorf("Ann's own key: %v", err)
			}
			umaCtx, _ := f.mustUserContext(t, f.adminCtx, uma)
			if _, err := f.users.FindUsers(umaCtx, server.UserFilter{ID: &uma.ID}, server.Page{Limit: 1}, nil); err != nil {
				t.Errorf("Uma's key from Ann: %v", err)
			}
			// Demoted, the issuer keeps their own key, as a USER.
			if auth, err := f.auth.Authenticate(context.Background(), own.Key); (how == "demoted") != (err == nil) {
				t.Errorf("the issuer's own key: %v, want it to work: %v", err, how == "demoted")
			} else if err == nil && auth.User.Role != server.RoleUser {
				t.Errorf("the issuer's own key acts as %s", auth.User.Role)
			}
			// The keys ended for good: an admin again, the issuer gets none of them back,
			// and they are not listed among the users' working keys.
			switch how {
			case "demoted":
				_, err = f.users.UpdateUser(f.adminCtx, server.UserRef{ID: issuer.ID}, server.UserUpdate{Role: ptr(server.RoleAdmin)})
			case "deactivated":
				_, err = f.users.UpdateUser(f.adminCtx, server.UserRef{ID: issuer.ID}, server.UserUpdate{Activated: ptr(true)})
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []*server.APIKey{forAnn, forUma} {
				if _, err := f.auth.Authenticate(context.Background(), key.Key); err == nil {
					t.Errorf("%q works again once its issuer is an active admin again", key.Name)
				}
			}
			listed, err := f.auth.FindAPIKeys(f.adminCtx, server.APIKeyFilter{}, server.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range listed {
				if k.ID == forAnn.ID || k.ID == forUma.ID {
					t.Errorf("%q is listed among the working keys", k.Name)
				}
			}
		})
	}
}
