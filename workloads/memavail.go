package workloads

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// AvailableMemory is how much memory a new process can use here, in bytes:
// the smaller of what the kernel says is available (/proc/meminfo's
// MemAvailable) and what the cgroup gotrace runs in still allows (its
// limit minus its usage). ok is false where neither is known (not Linux).
func AvailableMemory() (bytes int64, ok bool) {
	if v, found := meminfo("MemAvailable"); found {
		bytes, ok = v, true
	}
	for _, c := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},                                 // cgroup v2
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}, // v1
	} {
		limit, lok := readInt(c[0])
		usage, uok := readInt(c[1])
		if !lok || !uok || limit <= 0 || limit >= 1<<60 {
			continue // no limit ("max", or v1's huge number)
		}
		if left := max(limit-usage, 0); !ok || left < bytes {
			bytes, ok = left, true
		}
		break
	}
	return bytes, ok
}

// meminfo reads a field of /proc/meminfo, in bytes.
func meminfo(field string) (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		if len(f) > 1 && f[1] == "kB" {
			n <<= 10
		}
		return n, true
	}
	return 0, false
}

// readInt reads a file holding one integer.
func readInt(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n, err == nil
}
