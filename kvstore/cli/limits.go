package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// The flags of the commands whose changes may be more than etcd takes in
// one transaction (import), and what they mean for the command.
const (
	flagBatch           = "batch"
	flagMaxTxnOps       = "max-txn-ops"
	flagMaxRequestBytes = "max-request-bytes"
)

// limitFlags defines --batch and the cluster's limits on cmd.
func limitFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Bool(flagBatch, false, "with etcd://, commit in as many transactions as etcd's limits take, each whole; "+
		"running the same command again after a failure finishes the job")
	f.Int(flagMaxTxnOps, 0, "with etcd://, the most changes the cluster takes in one transaction, "+
		"as its members' --max-txn-ops (default 128)")
	f.Int(flagMaxRequestBytes, 0, "with etcd://, the most bytes the cluster takes in one request, "+
		"as its members' --max-request-bytes (default 1572864, 1.5 MiB)")
}

// limitFlagsHelp is what a command's --help says about etcd's limits;
// afterFailure says what to do when a transaction of --batch fails.
func limitFlagsHelp(afterFailure string) string {
	return "On an etcd prefix the changes are one transaction, and etcd limits a " +
		"transaction to 128 changes and 1.5 MiB unless its members were started with other " +
		"--max-txn-ops and --max-request-bytes (give the same flags here): changes that do not fit, " +
		"or a value larger than one request may be, are an error before anything is written. " +
		"--batch commits them in as many transactions as the limits take, each whole, in key order; " +
		"should one fail, those before it stay, and " + afterFailure
}

// flagSet reports whether cmd has the boolean flag name and it was given.
func flagSet(cmd *cobra.Command, name string) bool {
	f := cmd.Flags().Lookup(name)
	return f != nil && f.Changed && f.Value.String() == "true"
}

// checkLimitFlags refuses --batch and the limits on a source that is a
// file, which saves in one atomic write whatever its size.
func checkLimitFlags(cmd *cobra.Command, src string) error {
	if isEtcd(src) {
		return nil
	}
	for _, name := range []string{flagBatch, flagMaxTxnOps, flagMaxRequestBytes} {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return usagef(cmd, "--%s applies only to an etcd:// destination", name)
		}
	}
	return nil
}

// txnLimits puts the limits cmd was given into cfg.
func txnLimits(cmd *cobra.Command, cfg *etcdstore.Config) error {
	for _, l := range []struct {
		flag string
		to   *int
	}{{flagMaxTxnOps, &cfg.MaxTxnOps}, {flagMaxRequestBytes, &cfg.MaxRequestBytes}} {
		f := cmd.Flags().Lookup(l.flag)
		if f == nil || !f.Changed {
			continue
		}
		n, err := cmd.Flags().GetInt(l.flag)
		if err != nil || n <= 0 {
			return usagef(cmd, "--%s must be positive", l.flag)
		}
		*l.to = n
	}
	return nil
}

// describeLimit adds to an error for etcd's limits what the command can
// do about it: nothing was written, and --batch would write it.
func describeLimit(cmd *cobra.Command, err error) error {
	var le *etcdstore.LimitError
	switch {
	case !errors.As(err, &le):
		if errors.Is(err, etcdstore.ErrTooLarge) {
			return fmt.Errorf("%w; give the cluster's limits with --%s and --%s", err, flagMaxTxnOps, flagMaxRequestBytes)
		}
		return err
	case le.Key != "":
		return fmt.Errorf("%w; nothing was written", err)
	case flagSet(cmd, flagBatch):
		return err
	}
	return fmt.Errorf("%w; nothing was written: --%s commits them in %d transactions, each whole (see %s --help)",
		err, flagBatch, le.Transactions, cmd.CommandPath())
}
