/**
 * The service catalog (SPEC §6): services with the seed's filters and orders, creating one,
 * `requestAllowed` and deactivation per row, the group tree, and adding a service to a group or
 * removing it. Writes need `service_catalog:write`; without it the controls say why.
 */
import { useCallback, useState } from 'react';
import { useMessages } from '../platform/i18n';
import { useDenial } from '../platform/ui';
import { catalogAccess } from './access';
import { AddToGroupForm } from './add-to-group-form';
import { CreateServiceForm } from './create-service-form';
import { GroupTree } from './group-tree';
import { catalogMessages } from './messages';
import type { ServiceItem } from './operations';
import { ServicesPanel } from './services-panel';

export default function CatalogPage() {
  const t = useMessages(catalogMessages);
  const writeDenied = useDenial(catalogAccess.write);
  const [services, setServices] = useState<ServiceItem[]>([]);
  const [servicesVersion, setServicesVersion] = useState(0);
  const [groupsVersion, setGroupsVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const onServices = useCallback((list: ServiceItem[]) => setServices(list), []);
  const changed = (message: string, { services: s = false, groups = false } = {}) => {
    setNotice(message);
    if (s) setServicesVersion((v) => v + 1);
    if (groups) setGroupsVersion((v) => v + 1);
  };

  return (
    <>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <p role="status" className="notice">{notice}</p>
      <div className="catalog-forms">
        <CreateServiceForm writeDenied={writeDenied} onCreated={(message) => changed(message, { services: true })} />
        <AddToGroupForm services={services.filter((s) => s.isActive)} writeDenied={writeDenied} onAdded={(message) => changed(message, { services: true, groups: true })} />
      </div>
      <ServicesPanel writeDenied={writeDenied} onServices={onServices} refreshKey={servicesVersion} onChanged={(message) => changed(message, { groups: true })} />
      <GroupTree writeDenied={writeDenied} refreshKey={groupsVersion} onChanged={(message) => changed(message, { services: true })} />
    </>
  );
}
