package demo

import (
	"context"

	"github.com/hypercare-ops/hypercare/model"
)

// addCertificateChecks records the check the platform engineer ran on the
// API endpoint while working the certificate incident of day 6 (hypercare
// cert check api.orion-retail.example:443): the certificate served runs to
// tomorrow evening, not the midnight the plan has written down, and from
// then on the warnings count from what is served.
func (s *seeder) addCertificateChecks() error {
	expires := s.time(on(8, 18, 0))
	s.schedule(s.time(on(6, 10, 40)), "certificate check", func(ctx context.Context) error {
		_, err := s.desk.RecordCertificate(ctx, model.Actor{Name: "sofia.lindqvist", Role: model.RoleOperator}, model.Certificate{
			Endpoint: "api.orion-retail.example:443", Name: "api.orion-retail.example TLS certificate", Service: "api-gateway",
			Subject: "CN=api.orion-retail.example", Issuer: "CN=R11,O=Let's Encrypt,C=US", DNSNames: []string{"api.orion-retail.example"},
			Serial: "4a1f0c2e9d7b3a5f", NotBefore: expires.AddDate(0, 0, -90), NotAfter: expires})
		return err
	})
	return nil
}
