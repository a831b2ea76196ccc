package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-hq/advocate/internal/store"
)

// MinPasswordLength is the shortest password AddUser accepts.
const MinPasswordLength = 12

// maxPasswordBytes is bcrypt's limit: it ignores (x/crypto: refuses) anything longer.
const maxPasswordBytes = 72

// bcryptCost is the work factor of stored hashes; tests lower it through passwordCost.
const bcryptCost = 12

var passwordCost = bcryptCost

// ParseRole checks a role name; "" means csm, the least privileged.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case "":
		return RoleCSM, nil
	case RoleAdmin, RoleMarketing, RoleCSM:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: want admin, marketing or csm", s)
}

// checkEmail accepts one bare address ("ann@acme.io"), no display name.
func checkEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "", fmt.Errorf("%q is not an email address such as ann@acme.io", email)
	}
	return email, nil
}

// ReadPassword reads a password from r (standard input, never a flag: flags end up in shell
// history and process lists): the first line, without its line ending.
func ReadPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	switch {
	case len([]rune(line)) < MinPasswordLength:
		return "", fmt.Errorf("the password must be at least %d characters (read from standard input; got %d)", MinPasswordLength, len([]rune(line)))
	case len(line) > maxPasswordBytes:
		return "", fmt.Errorf("the password must be at most %d bytes (bcrypt's limit)", maxPasswordBytes)
	}
	return line, nil
}

// AddUser creates a dashboard user: `advocate user add EMAIL [--role admin|marketing|csm]`,
// the password read from password (standard input). The store keeps only a bcrypt hash.
func AddUser(ctx context.Context, st *store.Store, email, role string, password io.Reader) (store.WebUser, error) {
	email, err := checkEmail(email)
	if err != nil {
		return store.WebUser{}, err
	}
	r, err := ParseRole(role)
	if err != nil {
		return store.WebUser{}, err
	}
	pw, err := ReadPassword(password)
	if err != nil {
		return store.WebUser{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), passwordCost)
	if err != nil {
		return store.WebUser{}, fmt.Errorf("hash password: %w", err)
	}
	return st.AddWebUser(ctx, store.WebUser{Email: email, Role: string(r), PasswordHash: string(hash)})
}

// ListUsers is `advocate user list`: every user with role and creation time, by email.
func ListUsers(ctx context.Context, st *store.Store) ([]store.WebUser, error) {
	return st.WebUsers(ctx)
}

// RemoveUser is `advocate user remove EMAIL`: the user and all their sessions go.
func RemoveUser(ctx context.Context, st *store.Store, email string) error {
	err := st.RemoveWebUser(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %s (see `advocate user list`)", strings.ToLower(strings.TrimSpace(email)))
	}
	return err
}

// dummyHash is compared against when the email is unknown, so an unknown user costs the same
// bcrypt time as a wrong password and the two cannot be told apart by timing. Made on first
// use, not at start-up: a CLI command that never signs anyone in does not pay for it.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("advocate-no-such-user"), passwordCost)
	return h
})

// authenticate checks email and password; one error for an unknown user and a wrong password.
func authenticate(ctx context.Context, st *store.Store, email, password string) (store.WebUser, error) {
	u, err := st.WebUser(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return u, errBadLogin
	}
	if err != nil {
		return u, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return u, errBadLogin
	}
	return u, nil
}

var errBadLogin = errors.New("wrong email or password")
