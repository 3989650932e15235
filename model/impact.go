package model

import (
	"fmt"
	"slices"
)

// The service catalogue as a graph: each service's depends_on are edges to
// what it needs. Dependents, the impact trees and the cycle check all walk
// it here, so the plan check, the console and the CLI agree on one reading.

// Dependents maps each service to the services that name it in
// depends_on, in catalogue order: depends_on turned around.
func Dependents(services []Service) map[string][]string {
	out := map[string][]string{}
	for _, s := range services {
		for _, dep := range s.DependsOn {
			if !slices.Contains(out[dep], s.ID) {
				out[dep] = append(out[dep], s.ID)
			}
		}
	}
	return out
}

// ImpactNode is one service in an impact tree with the services reached
// through it. A service reached more than one way (two services need it, or
// the plan has a cycle) is expanded once, where it is nearest the root;
// elsewhere it stands as a leaf marked Seen, so no branch repeats.
type ImpactNode struct {
	Service  string       `json:"service"`
	Seen     bool         `json:"seen,omitzero"`
	Children []ImpactNode `json:"children,omitzero"`
}

// Impact answers "if this service is down, what is affected": Affected is
// the tree of services that depend on it, directly or through others
// (downstream); Needs the tree of what it depends on (upstream), where the
// cause may lie. AffectedAll and NeedsAll list each tree's services once,
// nearest first.
type Impact struct {
	Service     string       `json:"service"`
	Affected    []ImpactNode `json:"affected"`
	Needs       []ImpactNode `json:"needs"`
	AffectedAll []string     `json:"affected_all"`
	NeedsAll    []string     `json:"needs_all"`
}

// ImpactOf works out the impact of service id going down; an error when
// the catalogue has no such service.
func ImpactOf(services []Service, id string) (Impact, error) {
	if !slices.ContainsFunc(services, func(s Service) bool { return s.ID == id }) {
		return Impact{}, fmt.Errorf("service %q: %w in the catalogue", id, ErrNotFound)
	}
	up := map[string][]string{}
	for _, s := range services {
		up[s.ID] = s.DependsOn
	}
	down := Dependents(services)
	imp := Impact{Service: id}
	imp.Affected, imp.AffectedAll = tree(id, down)
	imp.Needs, imp.NeedsAll = tree(id, up)
	return imp, nil
}

// tree lays out the services reachable from root along edges: breadth
// first to find how near each one is, then each expanded under the first
// of its nearest parents. It returns the root's children and every service
// reached, nearest first; the root itself is neither.
func tree(root string, edges map[string][]string) ([]ImpactNode, []string) {
	depth := map[string]int{root: 0}
	order := []string{}
	for queue := []string{root}; len(queue) > 0; queue = queue[1:] {
		at := queue[0]
		for _, next := range edges[at] {
			if _, seen := depth[next]; !seen {
				depth[next] = depth[at] + 1
				order = append(order, next)
				queue = append(queue, next)
			}
		}
	}
	expanded := map[string]bool{root: true}
	var grow func(at string) []ImpactNode
	grow = func(at string) []ImpactNode {
		var out []ImpactNode
		for _, next := range edges[at] {
			if expanded[next] || depth[next] != depth[at]+1 {
				out = append(out, ImpactNode{Service: next, Seen: true})
				continue
			}
			expanded[next] = true
			out = append(out, ImpactNode{Service: next})
		}
		// Children are claimed before any is expanded, so a service two
		// siblings share hangs under the first, not under the deepest.
		for i := range out {
			if !out[i].Seen {
				out[i].Children = grow(out[i].Service)
			}
		}
		return out
	}
	return grow(root), order
}

// DependencyCycles finds the loops in the catalogue's depends_on: each is
// the services in the order they need each other, starting from the one
// first in the catalogue, and a loop is reported once whichever of its
// services the walk meets first. A service naming itself is left to the
// caller, which says so more plainly.
func DependencyCycles(services []Service) [][]string {
	edges, rank := map[string][]string{}, map[string]int{}
	for i, s := range services {
		rank[s.ID] = i
		for _, d := range s.DependsOn {
			if d != s.ID {
				edges[s.ID] = append(edges[s.ID], d)
			}
		}
	}
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var cycles [][]string
	reported := map[string]bool{}
	var walk func(at string)
	walk = func(at string) {
		state[at] = onPath
		path = append(path, at)
		for _, next := range edges[at] {
			switch state[next] {
			case unvisited:
				walk(next)
			case onPath:
				cycle := slices.Clone(path[slices.Index(path, next):])
				if !slices.ContainsFunc(cycle, func(s string) bool { return reported[s] }) {
					first := 0
					for i, s := range cycle {
						reported[s] = true
						if rank[s] < rank[cycle[first]] {
							first = i
						}
					}
					cycles = append(cycles, append(cycle[first:], cycle[:first]...))
				}
			}
		}
		path = path[:len(path)-1]
		state[at] = done
	}
	for _, s := range services {
		if state[s.ID] == unvisited {
			walk(s.ID)
		}
	}
	return cycles
}
