// Package user is the domain of the users service: who a user is, which
// avatar images are accepted, and how a user and their avatar are stored
// together without leaving an orphaned image behind. It knows nothing of
// HTTP or of the stores behind it.
package user

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF for image.DecodeConfig
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	_ "golang.org/x/image/webp" // registers WebP
)

// User is one user as stored and listed.
type User struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
}

// The kinds of failure a caller tells apart; every error of Create and List
// wraps one of them or is a store failure (the store is unavailable).
var (
	ErrInvalid  = errors.New("invalid")           // a bad name, email, cursor or limit
	ErrTooLarge = errors.New("too large")         // the avatar exceeds the size limit
	ErrNotImage = errors.New("unsupported image") // not PNG, JPEG, GIF or WebP, or broken
	ErrExists   = errors.New("already exists")    // a user with that email exists
)

// Avatar is a checked image ready to store.
type Avatar struct {
	Key         string // object key, derived from the owner and the content
	ContentType string // sniffed, never the client's claim
	Data        []byte
}

// Page is one page of users and the cursor of the next ("" on the last).
type Page struct {
	Users []User
	Next  string
}

// Store keeps users and their avatars. Its methods are safe for concurrent use.
type Store interface {
	// PutAvatar stores a and returns the URL it is served at.
	PutAvatar(ctx context.Context, a Avatar) (url string, err error)
	// DeleteAvatar removes the object under key.
	DeleteAvatar(ctx context.Context, key string) error
	// PutUser writes u unless a user with its email exists (ErrExists).
	PutUser(ctx context.Context, u User) error
	// Get returns the user with email; found is false when there is none.
	Get(ctx context.Context, email string) (u User, found bool, err error)
	// List returns up to limit users after cursor ("" for the first page).
	List(ctx context.Context, limit int, cursor string) (Page, error)
}

// Limits bound what an avatar may be.
type Limits struct {
	MaxBytes     int64 // largest image accepted
	MaxDimension int   // largest width or height, in pixels
}

// Directory creates and lists users in a Store.
type Directory struct {
	Store  Store
	Limits Limits
	// CleanupTimeout bounds removing an uploaded avatar after a failed
	// write; it runs even when the request was canceled.
	CleanupTimeout time.Duration
}

// formats maps a sniffed content type to image.DecodeConfig's format name.
var formats = map[string]string{
	"image/png":  "png",
	"image/jpeg": "jpeg",
	"image/gif":  "gif",
	"image/webp": "webp",
}

// CheckAvatar sniffs data and returns it as an Avatar of owner (a checked
// email), or ErrTooLarge or ErrNotImage saying what is wrong.
func (l Limits) CheckAvatar(owner string, data []byte) (Avatar, error) {
	if int64(len(data)) > l.MaxBytes {
		return Avatar{}, fmt.Errorf("%w: the avatar is larger than %d bytes", ErrTooLarge, l.MaxBytes)
	}
	if len(data) == 0 {
		return Avatar{}, fmt.Errorf("%w: the avatar is empty", ErrNotImage)
	}
	ct := http.DetectContentType(data)
	format, ok := formats[ct]
	if !ok {
		return Avatar{}, fmt.Errorf("%w: the avatar is %s; send a PNG, JPEG, GIF or WebP image", ErrNotImage, ct)
	}
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format {
		return Avatar{}, fmt.Errorf("%w: the avatar looks like %s but cannot be read as one", ErrNotImage, ct)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > l.MaxDimension || cfg.Height > l.MaxDimension {
		return Avatar{}, fmt.Errorf("%w: the avatar is %dx%d pixels; each side must be 1 to %d", ErrNotImage, cfg.Width, cfg.Height, l.MaxDimension)
	}
	// The key hashes the owner with the content: the same image sent again
	// for the same user lands on the same object (a retry is idempotent),
	// and no two users ever share an object, so removing one user's
	// upload can never take another's avatar.
	h := sha256.New()
	h.Write([]byte(owner))
	h.Write([]byte{0})
	h.Write(data)
	return Avatar{Key: "avatars/" + hex.EncodeToString(h.Sum(nil)) + "." + format, ContentType: ct, Data: data}, nil
}

// CheckName and CheckEmail return the value to store or an ErrInvalid.
func CheckName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("%w: name is required", ErrInvalid)
	case !utf8.ValidString(s):
		return "", fmt.Errorf("%w: name is not valid UTF-8", ErrInvalid)
	case utf8.RuneCountInString(s) > 200:
		return "", fmt.Errorf("%w: name is longer than 200 characters", ErrInvalid)
	}
	return s, nil
}

// CheckEmail accepts a bare address (no display name) of at most 254
// bytes and returns it in lower case, so one mailbox is one user.
func CheckEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: email is required", ErrInvalid)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return "", fmt.Errorf("%w: email %q is not an address like name@example.com", ErrInvalid, s)
	}
	return strings.ToLower(s), nil
}

// Create checks the form's values, stores the avatar, then the user. If
// the upload fails nothing is written; if the write fails the upload is
// removed, unless the stored user already points at it.
func (d Directory) Create(ctx context.Context, name, email string, avatar []byte) (User, error) {
	name, err := CheckName(name)
	if err != nil {
		return User{}, err
	}
	email, err = CheckEmail(email)
	if err != nil {
		return User{}, err
	}
	a, err := d.Limits.CheckAvatar(email, avatar)
	if err != nil {
		return User{}, err
	}
	url, err := d.Store.PutAvatar(ctx, a)
	if err != nil {
		return User{}, fmt.Errorf("storing the avatar: %w", err)
	}
	u := User{Name: name, Email: email, AvatarURL: url}
	if err := d.Store.PutUser(ctx, u); err != nil {
		return User{}, d.undoUpload(ctx, u, a.Key, err)
	}
	return u, nil
}

// undoUpload removes the avatar of a user whose write failed with werr and
// returns the error to report. It first reads the stored user: an object
// that user points at stays. That is the case when the same user posts the
// same image again (the key hashes both, so they share the object), and
// when the write was applied but its answer was lost (a timeout). When the
// read fails too, the object is removed: an orphan is never kept.
func (d Directory) undoUpload(ctx context.Context, u User, key string, werr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cleanupTimeout())
	defer cancel()
	stored, found, gerr := d.Store.Get(ctx, u.Email)
	if gerr == nil && found && stored.AvatarURL == u.AvatarURL {
		if errors.Is(werr, ErrExists) {
			return fmt.Errorf("a user with email %s: %w", u.Email, ErrExists)
		}
		return fmt.Errorf("storing the user: %w", werr)
	}
	if err := d.Store.DeleteAvatar(ctx, key); err != nil {
		return errors.Join(fmt.Errorf("storing the user: %w", werr), fmt.Errorf("removing the uploaded avatar %s: %w", key, err))
	}
	if errors.Is(werr, ErrExists) {
		return fmt.Errorf("a user with email %s: %w", u.Email, ErrExists)
	}
	return fmt.Errorf("storing the user: %w", werr)
}

func (d Directory) cleanupTimeout() time.Duration {
	if d.CleanupTimeout > 0 {
		return d.CleanupTimeout
	}
	return 5 * time.Second
}

// MaxPage bounds a page's size (DynamoDB's Scan takes up to this many).
const MaxPage = 1000

// List returns one page of at most limit users after cursor.
func (d Directory) List(ctx context.Context, limit int, cursor string) (Page, error) {
	if limit < 1 || limit > MaxPage {
		return Page{}, fmt.Errorf("%w: limit must be 1 to %d, got %d", ErrInvalid, MaxPage, limit)
	}
	return d.Store.List(ctx, limit, cursor)
}
