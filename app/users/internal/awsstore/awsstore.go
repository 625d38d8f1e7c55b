// Package awsstore keeps users in DynamoDB and their avatars in S3 through
// aws-sdk-go-v2, with the SDK's retries and timeouts set on purpose and
// every call's latency and errors measured by operation.
package awsstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doc-search/gitops/app/users/internal/user"
)

// Store is a user.Store on one DynamoDB table and one S3 bucket.
type Store struct {
	db      *dynamodb.Client
	s3      *s3.Client
	table   string
	bucket  string
	baseURL string        // avatar_url is baseURL + "/" + key
	timeout time.Duration // bound on one call, its retries included
}

// Attribute names of an item: {"email": {"S"}, "name": {"S"}, "avatar_url": {"S"}}.
const (
	attrEmail  = "email"
	attrName   = "name"
	attrAvatar = "avatar_url"
)

var _ user.Store = (*Store)(nil)

func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// PutAvatar uploads a under its key.
func (s *Store) PutAvatar(ctx context.Context, a user.Avatar) (string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(a.Key),
		Body:          bytes.NewReader(a.Data),
		ContentLength: aws.Int64(int64(len(a.Data))),
		ContentType:   aws.String(a.ContentType),
		// The key is derived from the content: the object never changes.
		CacheControl: aws.String("public, max-age=31536000, immutable"),
	})
	if err != nil {
		return "", fmt.Errorf("s3 PutObject %s/%s: %w", s.bucket, a.Key, err)
	}
	return s.baseURL + "/" + a.Key, nil
}

// DeleteAvatar removes the object under key.
func (s *Store) DeleteAvatar(ctx context.Context, key string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("s3 DeleteObject %s/%s: %w", s.bucket, key, err)
	}
	return nil
}

// PutUser writes u on the condition that no item has its email.
func (s *Store) PutUser(ctx context.Context, u user.User) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrName:   &types.AttributeValueMemberS{Value: u.Name},
			attrAvatar: &types.AttributeValueMemberS{Value: u.AvatarURL},
			attrEmail:  &types.AttributeValueMemberS{Value: u.Email},
		},
		ConditionExpression:      aws.String("attribute_not_exists(#email)"),
		ExpressionAttributeNames: map[string]string{"#email": attrEmail},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return user.ErrExists
	}
	if err != nil {
		return fmt.Errorf("dynamodb PutItem %s: %w", s.table, err)
	}
	return nil
}

// Get reads the user with email, strongly consistent: it follows a write
// that just failed or succeeded.
func (s *Store) Get(ctx context.Context, email string) (user.User, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrEmail: &types.AttributeValueMemberS{Value: email}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return user.User{}, false, fmt.Errorf("dynamodb GetItem %s: %w", s.table, err)
	}
	if out.Item == nil {
		return user.User{}, false, nil
	}
	u, err := fromItem(out.Item)
	return u, err == nil, err
}

// List scans one page. The cursor is the page's last email, base64url:
// DynamoDB's LastEvaluatedKey of a table keyed by email alone.
func (s *Store) List(ctx context.Context, limit int, cursor string) (user.Page, error) {
	in := &dynamodb.ScanInput{TableName: aws.String(s.table), Limit: aws.Int32(int32(limit))}
	if cursor != "" {
		email, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(email) == 0 {
			return user.Page{}, fmt.Errorf("%w: cursor %q is not one this service gave", user.ErrInvalid, cursor)
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{attrEmail: &types.AttributeValueMemberS{Value: string(email)}}
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	out, err := s.db.Scan(ctx, in)
	if err != nil {
		return user.Page{}, fmt.Errorf("dynamodb Scan %s: %w", s.table, err)
	}
	p := user.Page{Users: make([]user.User, 0, len(out.Items))}
	for _, it := range out.Items {
		u, err := fromItem(it)
		if err != nil {
			return user.Page{}, fmt.Errorf("dynamodb Scan %s: %w", s.table, err)
		}
		p.Users = append(p.Users, u)
	}
	if k, ok := out.LastEvaluatedKey[attrEmail].(*types.AttributeValueMemberS); ok {
		p.Next = base64.RawURLEncoding.EncodeToString([]byte(k.Value))
	}
	return p, nil
}

// Ping reports whether both the table and the bucket answer.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}); err != nil {
		return fmt.Errorf("dynamodb DescribeTable %s: %w", s.table, err)
	}
	if _, err := s.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		return fmt.Errorf("s3 HeadBucket %s: %w", s.bucket, err)
	}
	return nil
}

func fromItem(it map[string]types.AttributeValue) (user.User, error) {
	var u user.User
	for name, dst := range map[string]*string{attrEmail: &u.Email, attrName: &u.Name, attrAvatar: &u.AvatarURL} {
		v, ok := it[name].(*types.AttributeValueMemberS)
		if !ok {
			return user.User{}, fmt.Errorf("an item has no string attribute %q", name)
		}
		*dst = v.Value
	}
	return u, nil
}

// PublicBaseURL is where S3 serves bucket's objects in region when no
// endpoint override is set: virtual-hosted style, as the bucket policy
// serves avatars.
func PublicBaseURL(bucket, region string) string {
	return (&url.URL{Scheme: "https", Host: bucket + ".s3." + region + ".amazonaws.com"}).String()
}
