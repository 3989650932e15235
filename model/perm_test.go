package model_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func TestPermissions(t *testing.T) {
	cases := []struct {
		perm  model.Perm
		role  model.Role
		may   bool
		names string // what a refusal says the actor may not do
	}{
		{model.PermAck, model.RoleViewer, false, "acknowledge incidents"},
		{model.PermAck, model.RoleOperator, true, ""},
		{model.PermEscalate, model.RoleOperator, false, "escalate incidents"},
		{model.PermEscalate, model.RoleLead, true, ""},
		{model.PermApproveChange, model.RoleOperator, false, "approve changes"},
		{model.PermCancelCritical, model.RoleOperator, false, "cancel a P1 or major incident"},
		{model.PermEditCatalogue, model.RoleLead, false, "change the service catalogue"},
		{model.PermEditCatalogue, model.RoleAdmin, true, ""},
		{model.Perm(0), model.RoleAdmin, false, "unknown permission"},
	}
	for _, c := range cases {
		a := model.Actor{Name: "sam", Role: c.role}
		if got := a.May(c.perm); got != c.may {
			t.Errorf("%s May(%d) = %v, want %v", c.role, c.perm, got, c.may)
		}
		err := a.Check(c.perm)
		if (err == nil) != c.may {
			t.Errorf("%s Check(%d) = %v, want allowed=%v", c.role, c.perm, err, c.may)
		}
		if err != nil && !strings.Contains(err.Error(), c.names) {
			t.Errorf("%s Check(%d) = %q, want it to name %q", c.role, c.perm, err, c.names)
		}
		var forbidden model.ErrForbidden
		if err != nil && c.perm != 0 && !errors.As(err, &forbidden) {
			t.Errorf("refusal %v is not an ErrForbidden", err)
		}
	}
	// Every permission has a rule and an admin holds them all.
	for p := model.PermIngest; p <= model.PermEditCatalogue; p++ {
		if !model.System.May(p) {
			t.Errorf("permission %d has no rule", p)
		}
	}
}
