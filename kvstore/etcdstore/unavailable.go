package etcdstore

import (
	"context"
	"errors"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// IsUnavailable reports whether err, returned by a Store's method, means
// that the cluster could not be reached or could not answer in time: no
// member reachable, no leader, a leader lost during the request, or the
// call's deadline passed. Such a write may be tried again later, with the
// same revision check (it may have committed after all, and then the check
// fails with kvstore.ErrConflict). A conflict, a refused value, a closed
// or read-only Store, and a call canceled by its caller are not
// unavailability.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var code codes.Code
	var etcdErr rpctypes.EtcdError
	if errors.As(err, &etcdErr) {
		code = etcdErr.Code()
	} else if st, ok := status.FromError(err); ok {
		code = st.Code()
	} else {
		return false
	}
	return code == codes.Unavailable || code == codes.DeadlineExceeded
}
