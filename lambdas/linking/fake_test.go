package linking_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/test/cognitofake"
)

// fakeUser is one user of fakeCognito's pool.
type fakeUser struct {
	name, email, verified, identities string
	external                          bool
	// mfa is the user's UserMFASettingList (AdminGetUser).
	mfa []string
	// preferred is its PreferredMfaSetting.
	preferred string
}

func (u fakeUser) userType() types.UserType {
	attrs := []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("sub-" + u.name)}}
	if u.email != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("email"), Value: aws.String(u.email)})
	}
	if u.verified != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("email_verified"), Value: aws.String(u.verified)})
	}
	if u.identities != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("identities"), Value: aws.String(u.identities)})
	}
	status := types.UserStatusTypeConfirmed
	if u.external {
		status = types.UserStatusTypeExternalProvider
	}
	return types.UserType{Username: aws.String(u.name), Attributes: attrs, UserStatus: status, Enabled: true}
}

// fakeCognito answers ListUsers like Cognito's documented filter (parsed
// with cognitofake.ParseFilter) with a configurable match, and records
// every call.
type fakeCognito struct {
	mu    sync.Mutex
	users []fakeUser
	// match compares a stored email with the filter value; default exact.
	match func(stored, value string) bool
	// pageSize overrides the request's Limit when > 0.
	pageSize int

	listErr, linkErr, getErr error
	filters                  []string
	gets                     []string
	links                    []*cip.AdminLinkProviderForUserInput
	deadlines                []time.Duration
	limits                   []int32
}

func (f *fakeCognito) noteDeadline(ctx context.Context) {
	if d, ok := ctx.Deadline(); ok {
		f.deadlines = append(f.deadlines, time.Until(d))
	} else {
		f.deadlines = append(f.deadlines, -1)
	}
}

func (f *fakeCognito) ListUsers(ctx context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	filter := aws.ToString(in.Filter)
	f.filters = append(f.filters, filter)
	f.limits = append(f.limits, aws.ToInt32(in.Limit))
	if f.listErr != nil {
		return nil, f.listErr
	}
	attr, op, value, err := cognitofake.ParseFilter(filter)
	if err != nil || attr != "email" || op != "=" {
		return nil, errors.New("fake: bad filter " + strconv.Quote(filter))
	}
	match := f.match
	if match == nil {
		match = func(a, b string) bool { return a == b }
	}
	var all []types.UserType
	for _, u := range f.users {
		if match(u.email, value) {
			all = append(all, u.userType())
		}
	}
	size := int(aws.ToInt32(in.Limit))
	if f.pageSize > 0 {
		size = f.pageSize
	}
	start := 0
	if in.PaginationToken != nil {
		start, _ = strconv.Atoi(*in.PaginationToken)
	}
	if start > len(all) {
		start = len(all)
	}
	end := min(start+size, len(all))
	out := &cip.ListUsersOutput{Users: all[start:end]}
	if end < len(all) {
		out.PaginationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeCognito) AdminLinkProviderForUser(ctx context.Context, in *cip.AdminLinkProviderForUserInput, _ ...func(*cip.Options)) (*cip.AdminLinkProviderForUserOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	if f.linkErr != nil {
		return nil, f.linkErr
	}
	f.links = append(f.links, in)
	return &cip.AdminLinkProviderForUserOutput{}, nil
}

func (f *fakeCognito) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	f.gets = append(f.gets, aws.ToString(in.Username))
	if f.getErr != nil {
		return nil, f.getErr
	}
	for _, u := range f.users {
		if u.name == aws.ToString(in.Username) {
			ut := u.userType()
			out := &cip.AdminGetUserOutput{Username: ut.Username, UserAttributes: ut.Attributes, UserStatus: ut.UserStatus, Enabled: true, UserMFASettingList: u.mfa}
			if u.preferred != "" {
				out.PreferredMfaSetting = aws.String(u.preferred)
			}
			return out, nil
		}
	}
	return nil, apiErr{"UserNotFoundException"}
}
