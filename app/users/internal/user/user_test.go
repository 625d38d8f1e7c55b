package user

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encode(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	require.NoError(t, err)
	return b.Bytes()
}

// A 1x1 lossless WebP; the standard library has no WebP encoder.
const webp1x1 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

func TestCheckAvatar_AcceptsTheFourFormatsBySniffing(t *testing.T) {
	webp, err := base64.StdEncoding.DecodeString(webp1x1)
	require.NoError(t, err)
	l := Limits{MaxBytes: 1 << 20, MaxDimension: 64}
	for _, tc := range []struct {
		name, contentType, ext string
		data                   []byte
	}{
		{"png", "image/png", ".png", encode(t, "png", 8, 4)},
		{"jpeg", "image/jpeg", ".jpeg", encode(t, "jpeg", 8, 4)},
		{"gif", "image/gif", ".gif", encode(t, "gif", 8, 4)},
		{"webp", "image/webp", ".webp", webp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := l.CheckAvatar("a@example.com", tc.data)
			require.NoError(t, err)
			assert.Equal(t, tc.contentType, a.ContentType)
			assert.True(t, strings.HasPrefix(a.Key, "avatars/") && strings.HasSuffix(a.Key, tc.ext), a.Key)
			assert.Equal(t, tc.data, a.Data)
		})
	}
}

func TestCheckAvatar_RejectsWhatIsNotASaneImage(t *testing.T) {
	l := Limits{MaxBytes: 4096, MaxDimension: 64}
	pngData := encode(t, "png", 8, 8)
	for _, tc := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotImage, "empty"},
		{"text", []byte("hello, I am not an image"), ErrNotImage, "text/plain"},
		{"svg is not accepted", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), ErrNotImage, "PNG, JPEG, GIF or WebP"},
		{"truncated png", pngData[:12], ErrNotImage, "cannot be read"},
		{"too wide", encode(t, "png", 65, 1), ErrNotImage, "65x1"},
		{"too tall", encode(t, "gif", 1, 65), ErrNotImage, "1x65"},
		{"too large", bytes.Repeat([]byte{0}, 4097), ErrTooLarge, "4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.CheckAvatar("a@example.com", tc.data)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestCheckAvatar_KeyHashesOwnerAndContent(t *testing.T) {
	l := Limits{MaxBytes: 1 << 20, MaxDimension: 64}
	img, other := encode(t, "png", 2, 2), encode(t, "png", 3, 3)
	key := func(owner string, data []byte) string {
		a, err := l.CheckAvatar(owner, data)
		require.NoError(t, err)
		return a.Key
	}
	assert.Equal(t, key("a@example.com", img), key("a@example.com", img), "same owner and image: same object")
	assert.NotEqual(t, key("a@example.com", img), key("b@example.com", img), "two users never share an object")
	assert.NotEqual(t, key("a@example.com", img), key("a@example.com", other))
}

func TestCheckEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"test-user@example.com", "test-user@example.com", true},
		{"  Ada@Example.COM ", "ada@example.com", true},
		{"", "", false},
		{"not-an-address", "", false},
		{"Ada <ada@example.com>", "", false},
		{strings.Repeat("a", 250) + "@example.com", "", false},
	} {
		got, err := CheckEmail(tc.in)
		if !tc.ok {
			assert.ErrorIs(t, err, ErrInvalid, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got)
	}
}

func TestCheckName(t *testing.T) {
	got, err := CheckName("  Test User ")
	require.NoError(t, err)
	assert.Equal(t, "Test User", got)
	for _, bad := range []string{"", "   ", "\xff", strings.Repeat("é", 201)} {
		_, err := CheckName(bad)
		assert.ErrorIs(t, err, ErrInvalid, bad)
	}
}
