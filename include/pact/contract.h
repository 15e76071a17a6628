/*
 * The hpc-node contract (2026.1.28) in C: slice names, well-known paths,
 * constants and the enum strings that travel on the wire. These spellings
 * are the compatibility surface shared with workload managers; keep them
 * byte-for-byte equal to the Rust crate.
 */
#ifndef PACT_CONTRACT_H
#define PACT_CONTRACT_H

/* cgroup slices, relative to the cgroup2 mount (cgroup.rs: slices) */
#define PACT_SLICE_ROOT	    "pact.slice"
#define PACT_SLICE_INFRA    "pact.slice/infra.slice"
#define PACT_SLICE_NETWORK  "pact.slice/network.slice"
#define PACT_SLICE_GPU	    "pact.slice/gpu.slice"
#define PACT_SLICE_AUDIT    "pact.slice/audit.slice"
#define PACT_SLICE_WORKLOAD "workload.slice"

/* SliceOwner variants as serde spells them */
enum pact_slice_owner {
	PACT_OWNER_NONE = 0,
	PACT_OWNER_PACT,
	PACT_OWNER_WORKLOAD,
};

/* well-known paths (namespace.rs, mount.rs, readiness) */
#define PACT_HANDOFF_SOCKET_PATH   "/run/pact/handoff.sock"
#define PACT_READINESS_SOCKET_PATH "/run/pact/ready.sock"
#define PACT_READINESS_FILE_PATH   "/run/pact/ready"
#define PACT_UENV_MOUNT_BASE	   "/run/pact/uenv"
#define PACT_WORKDIR_BASE	   "/run/pact/workdir"
#define PACT_DATA_STAGE_BASE	   "/run/pact/data"

/* mount.rs: DEFAULT_HOLD_TIME_SECS */
#define PACT_DEFAULT_HOLD_TIME_SECS 60

/* NamespaceType variants, in wire spelling order */
enum pact_ns_type {
	PACT_NS_PID = 0,
	PACT_NS_NET,
	PACT_NS_MOUNT,
	PACT_NS_COUNT,
};

#endif
