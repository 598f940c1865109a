import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { Account, AccountUser, User } from '../../models/index.js';
import { ROLES } from '../../models/account-user.model.js';
import type { AccessTokenService } from '../../services/access-tokens.service.js';
import type { SsoLinks } from '../../services/sso-links.service.js';
import { createUser, findUserByEmail, hashPassword, passwordRule } from '../../services/users.service.js';
import { serializePlatformUser } from '../../serializers/user.serializer.js';
import { emailAddress, idParam, parse } from '../../lib/validation.js';

const accountParams = z.object({
  name: z.string().trim().min(1, 'is required').max(255),
  locale: z.string().trim().min(2).max(10).optional(),
  domain: z.string().trim().max(253).nullable().optional(),
  support_email: emailAddress.nullable().optional(),
  custom_attributes: z.record(z.string(), z.unknown()).optional(),
});
const userUpdate = z.object({
  name: z.string().trim().min(1, 'is required').max(255).optional(),
  display_name: z.string().trim().max(255).nullable().optional(),
  email: emailAddress.optional(),
  password: passwordRule.optional(),
  custom_attributes: z.record(z.string(), z.unknown()).optional(),
});
const accountUserParams = z.object({
  user_id: z.coerce.number().int().positive('must be a user id'),
  role: z.enum(ROLES, { message: 'must be administrator or agent' }).default('agent'),
});

const serializeAccount = (a: Account) => ({
  id: a.id, name: a.name, locale: a.locale, status: a.status, domain: a.domain, support_email: a.support_email,
  custom_attributes: a.custom_attributes, created_at: a.created_at,
});

async function findAccount(id: unknown): Promise<Account> {
  const account = await Account.findByPk(idParam(id, 'Account'));
  if (!account) throw new NotFoundError('Account');
  return account;
}

async function findUser(id: unknown): Promise<User> {
  const user = await User.findByPk(idParam(id, 'User'));
  if (!user) throw new NotFoundError('User');
  return user;
}

/** Chatwoot's Platform API subset for provisioning accounts, users and memberships. */
export function platformRouter(tokens: AccessTokenService, sso: Pick<SsoLinks, 'issue'>): Router {
  const router = Router();

  router.post('/accounts', async (req, res) => {
    const account = await Account.create(parse(accountParams, req.body));
    res.json(serializeAccount(account));
  });
  router.get('/accounts/:id', async (req, res) => res.json(serializeAccount(await findAccount(req.params.id))));
  router.patch('/accounts/:id', async (req, res) => {
    const account = await findAccount(req.params.id);
    await account.update(parse(accountParams.partial(), req.body));
    res.json(serializeAccount(account));
  });
  router.delete('/accounts/:id', async (req, res) => {
    const account = await findAccount(req.params.id);
    await account.destroy();
    res.json({ message: 'Account deleted' });
  });

  router.post('/users', async (req, res) => {
    const user = await createUser(req.body);
    res.json(serializePlatformUser(user, await tokens.issue(user)));
  });
  router.get('/users/:id', async (req, res) => {
    const user = await findUser(req.params.id);
    res.json(serializePlatformUser(user, await tokens.tokenFor(user)));
  });
  // Chatwoot's SSO link: opening it signs the user in to the dashboard (once, within 5 minutes).
  router.get('/users/:id/login', async (req, res) => {
    const user = await findUser(req.params.id);
    res.json({ url: await sso.issue(user.id) });
  });
  router.patch('/users/:id', async (req, res) => {
    const user = await findUser(req.params.id);
    const { password, ...attrs } = parse(userUpdate, req.body);
    if (attrs.email && attrs.email !== user.email && (await findUserByEmail(attrs.email))) throw ValidationError.field('email', 'has already been taken');
    await user.update({ ...attrs, ...(password ? { password_digest: await hashPassword(password) } : {}) });
    res.json(serializePlatformUser(user, await tokens.tokenFor(user)));
  });
  router.delete('/users/:id', async (req, res) => {
    const user = await findUser(req.params.id);
    await user.destroy();
    res.json({ message: 'User deleted' });
  });

  router.get('/accounts/:id/account_users', async (req, res) => {
    const account = await findAccount(req.params.id);
    const rows = await AccountUser.findAll({ where: { account_id: account.id }, order: [['id', 'ASC']] });
    res.json(rows.map((r) => ({ account_id: r.account_id, user_id: r.user_id, role: r.role })));
  });
  router.post('/accounts/:id/account_users', async (req, res) => {
    const account = await findAccount(req.params.id);
    const { user_id, role } = parse(accountUserParams, req.body);
    if (!(await User.findByPk(user_id))) throw ValidationError.field('user_id', 'does not exist');
    const [row] = await AccountUser.findOrCreate({ where: { account_id: account.id, user_id }, defaults: { account_id: account.id, user_id, role } });
    // The installation's operator adds people directly: a pending invitation becomes a membership.
    if (row.role !== role || row.invitation_pending) await row.update({ role, invitation_pending: false, invited_name: null });
    res.json({ account_id: row.account_id, user_id: row.user_id, role: row.role });
  });
  router.delete('/accounts/:id/account_users', async (req, res) => {
    const account = await findAccount(req.params.id);
    const { user_id } = parse(accountUserParams.pick({ user_id: true }), req.body);
    const removed = await AccountUser.destroy({ where: { account_id: account.id, user_id } });
    if (!removed) throw new NotFoundError('Account user');
    res.json({ message: 'Account user deleted' });
  });

  return router;
}
