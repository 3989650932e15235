package model

import "fmt"

// Perm is one thing an actor may be allowed to do. The service layer checks
// it before every write and the UI asks the same question to decide which
// keys to offer, so who-may-do-what is written once, in the table below.
type Perm int

const (
	PermIngest Perm = iota + 1
	PermAckAlert
	PermSilence
	PermOpenIncident
	PermDeclareMajor
	PermStandDownMajor
	PermAck
	PermNote
	PermIncidentState
	PermCancelCritical // cancel a P1 or major incident
	PermRetriage
	PermLowerCritical // lower the priority of a P1 or major incident
	PermAssign
	PermEscalate
	PermLink
	PermMerge
	PermOpenProblem
	PermProblemState
	PermCloseProblem
	PermAssignProblem
	PermWriteRCA
	PermWriteKnownError
	PermAddAction
	PermUpdateAction
	PermLinkProblem
	PermPublishKnownError
	PermEditProblem
	PermCreateChange
	PermApproveChange
	PermWriteArticle
	PermEditCatalogue
	PermRecordDeploy
	PermReviewArticle
	PermPublishArticle
	PermRetireArticle
	PermImportArticles
	PermReadArticle // record a read, say whether it helped
	PermCheckCertificate
	PermRunMajor // assign a war room's roles
	PermStatusUpdate
	PermReportJob
	PermPrune
)

type permRule struct {
	needs  Role
	action string // completes "may not …" in a refusal
}

var permRules = map[Perm]permRule{
	PermIngest:   {RoleOperator, "ingest alerts"},
	PermAckAlert: {RoleOperator, "acknowledge alerts"},
	// Who may silence is a plan setting ([alerts] silence_role, see
	// AlertRules): this is its default; the desk asks CheckAs.
	PermSilence:           {RoleOperator, "manage silences"},
	PermOpenIncident:      {RoleOperator, "create incidents"},
	PermDeclareMajor:      {RoleLead, "declare a major incident"},
	PermStandDownMajor:    {RoleLead, "stand down a major incident"},
	PermAck:               {RoleOperator, "acknowledge incidents"},
	PermNote:              {RoleOperator, "add notes"},
	PermIncidentState:     {RoleOperator, "change incident state"},
	PermCancelCritical:    {RoleLead, "cancel a P1 or major incident"},
	PermRetriage:          {RoleOperator, "change an incident's priority"},
	PermLowerCritical:     {RoleLead, "lower the priority of a P1 or major incident"},
	PermAssign:            {RoleOperator, "assign incidents"},
	PermEscalate:          {RoleLead, "escalate incidents"},
	PermLink:              {RoleOperator, "link incidents"},
	PermMerge:             {RoleOperator, "merge incidents"},
	PermOpenProblem:       {RoleOperator, "open problems"},
	PermProblemState:      {RoleOperator, "change problem state"},
	PermCloseProblem:      {RoleLead, "close problems"},
	PermAssignProblem:     {RoleOperator, "assign problems"},
	PermWriteRCA:          {RoleOperator, "write RCAs"},
	PermWriteKnownError:   {RoleOperator, "write known errors"},
	PermAddAction:         {RoleOperator, "add RCA actions"},
	PermUpdateAction:      {RoleOperator, "update RCA actions"},
	PermLinkProblem:       {RoleOperator, "link incidents to problems"},
	PermPublishKnownError: {RoleLead, "publish known errors"},
	PermEditProblem:       {RoleOperator, "edit problems"},
	PermCreateChange:      {RoleOperator, "create changes"},
	PermApproveChange:     {RoleLead, "approve changes"},
	PermWriteArticle:      {RoleOperator, "write articles"},
	PermEditCatalogue:     {RoleAdmin, "change the service catalogue"},
	PermRecordDeploy:      {RoleOperator, "record deploys"},
	PermReviewArticle:     {RoleOperator, "review articles"},
	PermPublishArticle:    {RoleLead, "publish articles"},
	PermRetireArticle:     {RoleLead, "retire articles"},
	// An import writes the states its files declare, published included:
	// the folder's own review (in git) stands for the second pair of eyes.
	PermImportArticles: {RoleLead, "import articles"},
	PermReadArticle:    {RoleViewer, "record reading articles"},
	// A check only reads what an endpoint serves anyone; recording it is
	// an operator's everyday work, like ingesting an alert.
	PermCheckCertificate: {RoleOperator, "record certificate checks"},
	PermRunMajor:         {RoleLead, "assign major-incident roles"},
	// A communications lead need not be a lead: any operator may be given
	// the role and post the updates.
	PermStatusUpdate: {RoleOperator, "post status updates"},
	PermReportJob:    {RoleOperator, "report job runs"},
	// Pruning removes records from the database (into the archive) for
	// everyone; hypercare itself does it on the plan's schedule.
	PermPrune: {RoleAdmin, "prune old records"},
}

// May reports whether the actor's role allows p.
func (a Actor) May(p Perm) bool {
	r, ok := permRules[p]
	return ok && a.Role >= r.needs
}

// Check returns nil when the actor may do p, and otherwise the refusal the
// user sees, naming the role it needs.
func (a Actor) Check(p Perm) error {
	r, ok := permRules[p]
	if !ok {
		return fmt.Errorf("unknown permission %d", p)
	}
	if a.Role < r.needs {
		return ErrForbidden{Actor: a, Action: r.action, Needs: r.needs}
	}
	return nil
}

// CheckAs is Check with the role p needs set by the plan rather than the
// table (who may silence).
func (a Actor) CheckAs(p Perm, needs Role) error {
	r, ok := permRules[p]
	if !ok {
		return fmt.Errorf("unknown permission %d", p)
	}
	if a.Role < needs {
		return ErrForbidden{Actor: a, Action: r.action, Needs: needs}
	}
	return nil
}

// ErrForbidden wraps refusals for lack of role.
type ErrForbidden struct {
	Actor  Actor
	Action string
	Needs  Role
}

func (e ErrForbidden) Error() string {
	return fmt.Sprintf("%s (%s) may not %s: needs the %s role", e.Actor.Name, e.Actor.Role, e.Action, e.Needs)
}
