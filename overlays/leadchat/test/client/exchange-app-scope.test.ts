// The RBAC for Applications commands shown on a graph_full inbox's Microsoft 365 tab.
import { expect } from 'chai';
import { appScopeCommands } from '../../client/microsoft-shared/exchange-app-scope.js';

describe('client: RBAC for Applications commands', () => {
  const consent = 'https://login.microsoftonline.com/tid/adminconsent?client_id=11111111-2222-3333-4444-555555555555&redirect_uri=x';

  it('scopes the app id of the admin-consent URL to the inbox\'s mailbox and checks it', () => {
    const lines = appScopeCommands(consent, "o'brien@contoso.test");
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^New-ServicePrincipal -AppId 11111111-2222-3333-4444-555555555555 /);
    expect(lines[1]).to.equal(`New-ManagementScope -Name "LeadChat o'brien@contoso.test" -RecipientRestrictionFilter "PrimarySmtpAddress -eq 'o''brien@contoso.test'"`);
    expect(lines[2]).to.equal('New-ManagementRoleAssignment -App 11111111-2222-3333-4444-555555555555 -Role "Application Mail.Read" -CustomResourceScope "LeadChat o\'brien@contoso.test"');
    expect(lines[3]).to.equal("Test-ServicePrincipalAuthorization -Identity 11111111-2222-3333-4444-555555555555 -Resource o'brien@contoso.test");
  });

  it('shows nothing without an admin-consent URL', () => {
    expect(appScopeCommands(null, 'support@contoso.test')).to.deep.equal([]);
  });
});
