package main

// The door both daemons run: three TCP SYN knocks, 5 s to complete them.
const (
	doorPrefix = "KnockBench"
	doorDesc   = "`7000,8000,9000` (TCP, `tcpflags syn`, `seq_timeout 5`), action: open port 22 for the source"
)

var doorPorts = []uint16{7000, 8000, 9000}

// floodSpecs are the flood scenarios, in the order they run.
func floodSpecs() []FloodSpec {
	return []FloodSpec{
		{Name: "non-knock port (443/tcp)", Sources: MaxSources, Port: 443, Proto: TCP},
		{Name: "first knock port, 1,000 sources", Sources: 1000, Port: doorPorts[0], Proto: TCP},
		{Name: "first knock port, 10,000 sources", Sources: 10000, Port: doorPorts[0], Proto: TCP},
		{Name: "first knock port, 131,072 sources", Sources: MaxSources, Port: doorPorts[0], Proto: TCP},
		{Name: "random ports (TCP SYN/UDP)", Sources: MaxSources, Port: 0},
	}
}
