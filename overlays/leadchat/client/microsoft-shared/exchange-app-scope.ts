/**
 * The Exchange Online PowerShell an administrator runs to limit LeadChat's app-only Mail.Read to one
 * shared mailbox with RBAC for Applications, which replaces application access policies: Exchange's
 * record of the app's service principal, a management scope matching the mailbox, the "Application
 * Mail.Read" role assigned to the app within that scope, and the check. Built from the admin-consent
 * URL's client_id so the commands can be pasted as they are; empty when there is no such URL.
 */
export function appScopeCommands(adminConsentUrl: string | null | undefined, mailbox: string): string[] {
  const clientId = adminConsentUrl ? new URL(adminConsentUrl).searchParams.get('client_id') : null;
  if (!clientId) return [];
  const scope = `LeadChat ${mailbox}`;
  const address = mailbox.replace(/'/g, "''");
  return [
    `New-ServicePrincipal -AppId ${clientId} -ObjectId <Object ID of the LeadChat enterprise application in Entra ID> -DisplayName "LeadChat"`,
    `New-ManagementScope -Name "${scope}" -RecipientRestrictionFilter "PrimarySmtpAddress -eq '${address}'"`,
    `New-ManagementRoleAssignment -App ${clientId} -Role "Application Mail.Read" -CustomResourceScope "${scope}"`,
    `Test-ServicePrincipalAuthorization -Identity ${clientId} -Resource ${mailbox}`,
  ];
}
