package model

import (
	"reflect"
	"strings"
	"testing"
)

// catalogue builds services from "id:dep,dep" words.
func catalogue(specs ...string) []Service {
	out := make([]Service, len(specs))
	for i, spec := range specs {
		id, deps, _ := strings.Cut(spec, ":")
		out[i] = Service{ID: id}
		if deps != "" {
			out[i].DependsOn = strings.Split(deps, ",")
		}
	}
	return out
}

// drawn writes a tree one node a line, indented two spaces a level, a
// node shown elsewhere marked with "^".
func drawn(nodes []ImpactNode, indent string) string {
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(indent + n.Service)
		if n.Seen {
			b.WriteString("^")
		}
		b.WriteString("\n")
		b.WriteString(drawn(n.Children, indent+"  "))
	}
	return b.String()
}

func TestImpactOf(t *testing.T) {
	// A shop: storefront and checkout both need the gateway and identity,
	// the gateway needs identity too, orders needs the database.
	shop := catalogue("storefront:api-gateway,identity,catalog", "checkout:api-gateway,identity,orders",
		"api-gateway:identity", "identity", "catalog:orders-db", "orders:orders-db", "orders-db", "search:catalog")
	tests := []struct {
		name, service         string
		services              []Service
		affected, needs       string
		affectedAll, needsAll []string
	}{
		{
			name: "a leaf needed by all", service: "identity", services: shop,
			// Storefront and checkout need identity directly: they are
			// expanded there, and only marked under the gateway.
			affected:    "storefront\ncheckout\napi-gateway\n  storefront^\n  checkout^\n",
			needs:       "",
			affectedAll: []string{"storefront", "checkout", "api-gateway"},
		},
		{
			name: "a database two levels down", service: "orders-db", services: shop,
			affected:    "catalog\n  storefront\n  search\norders\n  checkout\n",
			affectedAll: []string{"catalog", "orders", "storefront", "search", "checkout"},
		},
		{
			name: "a front door needs everything", service: "storefront", services: shop,
			affected: "",
			// identity is needed directly, so under the gateway it is marked.
			needs:       "api-gateway\n  identity^\nidentity\ncatalog\n  orders-db\n",
			affectedAll: nil,
			needsAll:    []string{"api-gateway", "identity", "catalog", "orders-db"},
		},
		{
			name: "a cycle is walked once", service: "a", services: catalogue("a:b", "b:c", "c:a"),
			affected:    "c\n  b\n    a^\n",
			needs:       "b\n  c\n    a^\n",
			affectedAll: []string{"c", "b"},
			needsAll:    []string{"b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, err := ImpactOf(tt.services, tt.service)
			if err != nil {
				t.Fatal(err)
			}
			if got := drawn(imp.Affected, ""); got != tt.affected {
				t.Errorf("affected:\n%s\nwant:\n%s", got, tt.affected)
			}
			if got := drawn(imp.Needs, ""); got != tt.needs {
				t.Errorf("needs:\n%s\nwant:\n%s", got, tt.needs)
			}
			if len(imp.AffectedAll)+len(tt.affectedAll) > 0 && !reflect.DeepEqual(imp.AffectedAll, tt.affectedAll) {
				t.Errorf("affected all %v, want %v", imp.AffectedAll, tt.affectedAll)
			}
			if len(imp.NeedsAll)+len(tt.needsAll) > 0 && !reflect.DeepEqual(imp.NeedsAll, tt.needsAll) {
				t.Errorf("needs all %v, want %v", imp.NeedsAll, tt.needsAll)
			}
		})
	}
	if _, err := ImpactOf(shop, "nope"); err == nil || !strings.Contains(err.Error(), `service "nope"`) {
		t.Errorf("unknown service: %v", err)
	}
}

func TestDependents(t *testing.T) {
	got := Dependents(catalogue("storefront:api-gateway,identity", "checkout:identity", "api-gateway:identity", "identity"))
	want := map[string][]string{"api-gateway": {"storefront"}, "identity": {"storefront", "checkout", "api-gateway"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Dependents = %v, want %v", got, want)
	}
}

func TestDependencyCycles(t *testing.T) {
	tests := []struct {
		name     string
		services []Service
		want     [][]string
	}{
		{"none", catalogue("a:b", "b:c", "c"), nil},
		{"diamond is no cycle", catalogue("a:b,c", "b:d", "c:d", "d"), nil},
		{"self is left to the caller", catalogue("a:a"), nil},
		{"two", catalogue("a:b", "b:a"), [][]string{{"a", "b"}}},
		// Found from b, reported from a, the first in the catalogue.
		{"three from the first listed", catalogue("x:b", "a:b", "b:c", "c:a"), [][]string{{"a", "b", "c"}}},
		{"two apart", catalogue("a:b", "b:a", "c:d", "d:c", "e:a"), [][]string{{"a", "b"}, {"c", "d"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DependencyCycles(tt.services); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DependencyCycles = %v, want %v", got, tt.want)
			}
		})
	}
}
