import { Router, type RequestHandler } from 'express';
import type { ContactPage, ContactService } from '../../services/contacts.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeContact } from '../../serializers/contact.serializer.js';
import { serializeInbox } from '../../serializers/inbox.serializer.js';
import { idParam } from '../../lib/validation.js';

const pagePayload = (page: ContactPage) => ({
  meta: { count: page.count, current_page: page.page },
  payload: page.contacts.map((c) => serializeContact(c.contact, c.contactInboxes)),
});

/** Chatwoot's contacts API. */
export function contactsRouter(contacts: ContactService): Router {
  const router = Router();

  router.get('/contacts', async (req, res) => {
    res.json(pagePayload(await contacts.list(accountScope(req), req.query)));
  });

  router.get('/contacts/search', async (req, res) => {
    res.json(pagePayload(await contacts.search(accountScope(req), req.query)));
  });

  router.post('/contacts', async (req, res) => {
    const { contact, contactInboxes, contactInbox } = await contacts.create(accountScope(req), req.body ?? {});
    res.json({
      payload: {
        contact: serializeContact(contact, contactInboxes),
        contact_inbox: {
          inbox: contactInbox?.inbox ? serializeInbox(contactInbox.inbox, contactInbox.inbox.channel) : null,
          source_id: contactInbox?.source_id ?? null,
        },
      },
    });
  });

  router.get('/contacts/:id', async (req, res) => {
    const { contact, contactInboxes } = await contacts.find(accountScope(req), idParam(req.params.id, 'Contact'));
    res.json({ payload: serializeContact(contact, contactInboxes) });
  });

  const update: RequestHandler = async (req, res) => {
    const { contact, contactInboxes } = await contacts.update(accountScope(req), idParam(req.params.id, 'Contact'), req.body ?? {});
    res.json({ payload: serializeContact(contact, contactInboxes) });
  };
  router.put('/contacts/:id', update);
  router.patch('/contacts/:id', update);

  router.delete('/contacts/:id', requireAdministrator, async (req, res) => {
    await contacts.destroy(accountScope(req), idParam(req.params.id, 'Contact'));
    res.json({ message: 'Contact deleted' });
  });

  return router;
}
