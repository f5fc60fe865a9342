// Package cli is the kvstore program's command line: the subcommands that
// read and write a store from scripts (get, set, del, mv, keys, export,
// import), and the flags of the terminal UI, which it starts through a
// function the program passes in, so that scripts never load the UI.
//
// New builds the cobra command tree; the program runs it with fang.Execute,
// PrintError as fang's error handler, and ExitCode for the exit status.
//
// # etcd
//
// Every command takes an etcd prefix as its source, etcd://HOST:PORT/PREFIX
// (HOST:PORT may be https://HOST:PORT, and several, comma-separated), with
// etcdctl's connection flags and their ETCDCTL_* environment variables
// (flags win): --endpoints, --cacert, --cert, --key, --user, --password,
// --dial-timeout, --command-timeout, --insecure-skip-tls-verify and
// --insecure-transport. etcdctl's verbs are there with its spellings:
// get --prefix, del --prefix, watch [--prefix] [--rev], and raw values
// (get --raw, set --raw).
//
// # Exit status
//
//	0  success (watch: also when interrupted)
//	1  failure: a missing key (get, del, mv), an invalid value, a conflict
//	   with another writer or etcd client, a TLS or credentials mistake
//	2  a command line that does not fit (see the command's --help)
//	3  an etcd cluster could not be reached or did not answer in time
//
// # The export format
//
// export prints one JSON object, key to value, in the store's canonical
// file format, and import reads it. On an etcd prefix a value is bytes
// that other clients wrote, which need not be JSON, nor compact, nor
// UTF-8, and keys are bytes too. The object shows each value as get
// prints it: JSON compact, and anything else as a JSON string of its text.
// Whatever that does not carry exactly is listed once more, after every
// key, in the member "kvstore:exact" (package exactjson):
//
//	{
//	  "addr": "10.0.0.1:8080",
//	  "cfg": {
//	    "a": 1
//	  },
//	  "port": 8080,
//	  "kvstore:exact": [
//	    {"key": "addr", "value": "10.0.0.1:8080"},
//	    {"key": "cfg", "value": "{\"a\": 1}"},
//	    {"key": {"base64": "YXBw/w=="}, "value": {"base64": "eAD/"}}
//	  ]
//	}
//
// Each key and value there is a JSON string of its exact text, or
// {"base64": "..."} when it is not UTF-8: a notation jq and every JSON tool
// pass through unchanged. import stores those bytes as they are, and
// writes a key only when etcd holds other bytes, so export | import onto
// the same prefix writes nothing and into another one copies every key
// byte for byte. An entry stands for its key's member only while that
// member still shows as the entry's bytes: a member changed after export
// (by jq, say) is stored as the JSON it now holds, and one removed is not
// imported. A key that cannot be a member, not being UTF-8 or being named
// "kvstore:exact", is in the list alone. A store whose values are all
// compact JSON, as a file's always are, exports as the plain object alone,
// which is what jq users see in the common case. Into a file, which holds
// JSON, a value that is not JSON is stored as the string it shows as, and
// a key that is not UTF-8 keeps its bytes, as a file holds them.
//
// # Keys that are not UTF-8
//
// keys lists such a key as the terminal UI shows it: quoted, each byte
// that is not UTF-8 written \xNN ("app\xff"). A KEY argument that starts
// and ends with a quote is read that way, with the escapes of a JSON
// string besides (so a key that itself starts and ends with a quote is
// given with its quotes escaped, as keys lists it). JSON output (keys
// --json, get -w json) gives such a key as {"base64": "..."}.
//
// # etcd's limits on a transaction
//
// A command's changes to an etcd prefix are one transaction, and etcd takes
// at most 128 operations (--max-txn-ops) and 1.5 MiB (--max-request-bytes)
// in one unless its members were started with other limits, which
// import's flags of the same names give. An import that does not fit, or
// holds a value larger than one request may be, is an error before
// anything is written; import --batch commits it in transactions that fit,
// each whole, and running it again after a failure finishes the job,
// since keys that hold their new bytes are not written again.
package cli
