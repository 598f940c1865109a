import { fileURLToPath } from 'node:url';
import { MsalApps, type ExtensionContext } from '../../../server/src/extensions/index.js';
import { DelegateTokens } from './microsoft-shared/delegate-tokens.js';
import { MicrosoftGraphClients } from './microsoft/graph-clients.js';
import { registerMetadataSync } from './metadata-sync/index.js';
import { SharedInboxConnectFlow } from './microsoft-shared/connect.flow.js';
import { GraphRoundTrip } from './microsoft-shared/graph-round-trip.js';
import { SmtpRoundTrip } from './microsoft-shared/smtp-round-trip.js';
import { authorizationRouter, callbackRouter } from './microsoft-shared/connect.router.js';
import { ConnectionDoctor } from './microsoft-shared/doctor/connection-doctor.js';
import { doctorRouter } from './microsoft-shared/doctor/doctor.router.js';
import { dailyDoctorJobs, DOCTOR_SCHEDULES } from './microsoft-shared/doctor/daily-doctor.job.js';
import { registerGraph } from './microsoft-shared/graph/index.js';
import { createGraphSendDelivery } from './microsoft-shared/graph-send.delivery.js';
import { ImapAccessVerifier } from './microsoft-shared/imap-access.check.js';
import { createMicrosoftSharedProvider } from './microsoft-shared/provider.js';
import { SharedInboxConnector } from './microsoft-shared/shared-inbox-connector.js';
import { transportsRouter } from './microsoft-shared/transports.router.js';
import { leadchatSettings } from './settings.js';

/** The overlay's Microsoft plumbing, built once per process and shared by its modules. */
export interface MicrosoftPlumbing {
  apps: MsalApps;
  tokens: DelegateTokens;
  graph: MicrosoftGraphClients;
}

/** Entry point of the LeadChat overlay: everything it adds goes through the core's registries. */
export function register(ctx: ExtensionContext): void {
  ctx.register.migrations(fileURLToPath(new URL('../migrations', import.meta.url)));
  const settings = ctx.register.config(leadchatSettings);
  const apps = new MsalApps(ctx.config, ctx.logger);
  const tokens = new DelegateTokens(apps, ctx);
  const graph = new MicrosoftGraphClients({ settings, apps, channelToken: (channel) => tokens.graphToken(channel) });
  registerMicrosoftShared(ctx, { apps, tokens, graph });
  registerGraph(ctx, graph, settings);
  registerMetadataSync(ctx, { apps, graph }, settings);
}

/** The microsoft_shared channel: provider, Graph delivery, transports list, the connect flow and the connection doctor (on demand and daily). */
function registerMicrosoftShared(ctx: ExtensionContext, { apps, tokens, graph }: MicrosoftPlumbing): void {
  ctx.register.emailProvider(createMicrosoftSharedProvider({ config: ctx.config, tokens }));
  ctx.register.deliveryMethod(createGraphSendDelivery(graph));
  const connector = new SharedInboxConnector({ ctx, tokens });
  const imap = new ImapAccessVerifier(ctx.config, ctx.logger);
  const roundTrip = { graph: new GraphRoundTrip(), smtp: new SmtpRoundTrip(ctx.config, ctx.logger) };
  const flow = new SharedInboxConnectFlow({ ctx, apps, tokens, graph, imap, connector, roundTrip });
  const doctor = new ConnectionDoctor({ ctx, tokens, graph, imap, roundTrip });
  ctx.register.route({ id: 'leadchat.microsoft_shared.transports', mount: 'account', router: transportsRouter() });
  ctx.register.route({ id: 'leadchat.microsoft_shared.authorization', mount: 'account', router: authorizationRouter(flow, ctx.models) });
  ctx.register.route({ id: 'leadchat.microsoft_shared.callback', mount: 'public', router: callbackRouter(flow) });
  ctx.register.route({ id: 'leadchat.microsoft_shared.doctor', mount: 'account', router: doctorRouter(doctor, ctx.models) });
  for (const j of dailyDoctorJobs(ctx, doctor)) ctx.register.job(j);
  for (const s of DOCTOR_SCHEDULES) ctx.register.schedule(s);
}
