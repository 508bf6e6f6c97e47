// Four in one (四位一体): a person's profile, and the HRSS officer's
// training, incubation and service records with roster imports.
import { h, field, formError, showErrors, clearErrors, values, table, busy, announce } from '../dom.js';
import { t } from '../i18n.js';
import { get, api } from '../api.js';
import { date, label, yuan } from '../fmt.js';
import { districts, nameOf } from '../ref.js';
import { hasRole } from '../roles.js';
import { badge, page, section } from '../widgets.js';

const COURSES = ['GYB', 'SYB', 'IYB', 'EYB', 'malanhua', 'other'];
const SERVICE_KINDS = ['mentoring', 'guidance', 'policy_consult', 'event'];
export const LEVELS = ['national', 'provincial', 'municipal'];

// supportProfile renders GET …/support; opts.moveOut, when given, adds a
// control to each open tenancy to record the move-out.
export function supportProfile(p, opts = {}) {
  const waived = p.counter_guarantee_waived;
  return h('div', { class: 'profile' },
    h('p', { class: waived ? 'note ok' : 'note' }, h('strong', {}, t('support.waiver')), ' ',
      waived ? t('support.waived') : t('support.notWaived'), p.waiver_reason ? ` — ${p.waiver_reason}` : ''),
    h('h3', {}, t('support.training')),
    table([
      { label: t('support.course'), value: (r) => label('course', r.course) },
      { label: t('support.institution'), value: (r) => r.institution },
      { label: t('support.period'), value: (r) => `${date(r.start_date)} – ${date(r.end_date)}` },
      { label: t('support.certificate'), value: (r) => r.certificate_no || '—' },
    ], p.training || [], { caption: t('support.training') }),
    h('h3', {}, t('support.incubation')),
    table([
      { label: t('support.base'), value: (r) => r.base_name || `#${r.base_id}` },
      { label: t('support.level'), value: (r) => label('level', r.base_level || r.level) },
      { label: t('support.entity'), value: (r) => r.entity_name },
      { label: t('support.moveIn'), value: (r) => date(r.move_in) },
      { label: t('support.moveOut'), value: (r) => (!r.move_out && opts.moveOut ? opts.moveOut(r) : date(r.move_out)) },
    ], p.incubation || [], { caption: t('support.incubation') }),
    h('h3', {}, t('support.services')),
    table([
      { label: t('support.kind'), value: (r) => label('serviceKind', r.kind) },
      { label: t('support.date'), value: (r) => date(r.date) },
      { label: t('support.notes'), value: (r) => r.notes || '—' },
    ], p.services || [], { caption: t('support.services') }),
    h('h3', {}, t('support.loans')),
    table([
      { label: t('app.number'), value: (r) => (r.application_id ? h('a', { href: `#/applications/${encodeURIComponent(r.application_id)}` }, r.number || `#${r.application_id}`) : r.number || '—') },
      { label: t('app.status'), value: (r) => badge('status', r.status) },
      { label: t('app.amount'), value: (r) => yuan(r.approved_amount || r.amount), class: 'num' },
      { label: t('support.loan'), value: (r) => (r.loan ? h('a', { href: `#/loans/${encodeURIComponent(r.loan.id)}` }, `${r.loan.number} · ${label('loanStatus', r.loan.status)}`) : '—') },
    ], p.loans || [], { caption: t('support.loans') }));
}

function recordForm(titleKey, path, fields, toBody) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t(titleKey)), formError(), h('div', { class: 'grid' }, fields),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('common.save'))),
    h('p', { class: 'ok-text', role: 'status' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    const done = form.querySelector('.ok-text');
    done.textContent = '';
    busy(btn, true);
    try {
      await api('POST', path, { body: toBody(values(form)) });
      clearErrors(form);
      form.reset();
      done.textContent = t('support.saved');
      announce(t('support.saved'));
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return form;
}

export function importForm(titleKey, path, hintKey) {
  const file = field({ name: 'file', label: t('import.file'), type: 'file', accept: '.csv,.xlsx,text/csv', required: true, hint: t(hintKey) });
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t(titleKey)), formError(), file,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('import.submit'))),
    h('p', { class: 'ok-text', role: 'status' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.input.files[0];
    const done = form.querySelector('.ok-text');
    done.textContent = '';
    if (!f) {
      showErrors(form, { errors: [{ field: 'file', message: t('import.chooseFile') }], summary: () => t('err.validation_failed') });
      return;
    }
    const xlsx = /\.xlsx$/i.test(f.name);
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      const res = await api('POST', path, { body: f, contentType: xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv' });
      clearErrors(form);
      done.textContent = t('import.done', { imported: res.imported, skipped: res.skipped });
      announce(done.textContent);
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return form;
}

// moveOutControl records the move-out of an open tenancy, then shows the profile again.
function moveOutControl(again) {
  return (r) => {
    const input = h('input', { type: 'date', name: `move_out-${r.id}`, 'aria-label': t('support.moveOutOf', { entity: r.entity_name }) });
    const msg = h('span', { class: 'field-error', role: 'alert', hidden: true });
    const btn = h('button', { type: 'button', onclick: async () => {
      busy(btn, true);
      msg.hidden = true;
      try {
        await api('PATCH', `/api/v1/incubation-records/${encodeURIComponent(r.id)}`, { body: { move_out: input.value } });
        announce(t('support.movedOut'));
        again();
      } catch (err) {
        msg.textContent = (err.errors[0] && err.errors[0].message) || err.text();
        msg.hidden = false;
        busy(btn, false);
      }
    } }, t('support.recordMoveOut'));
    return h('div', { class: 'inline-actions' }, input, btn, msg);
  };
}

function lookupForm(out, canMoveOut) {
  const form = h('form', { class: 'card', role: 'search', novalidate: true },
    h('h2', {}, t('support.lookup')), formError(),
    field({ name: 'national_id', label: t('app.nationalId'), required: true, maxlength: 18 }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('support.find'))));
  const again = () => form.requestSubmit();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const nid = values(form).national_id.toUpperCase();
    const btn = form.querySelector('button[type=submit]');
    busy(btn, true);
    try {
      const p = await get(`/api/v1/people/${encodeURIComponent(nid)}/support`);
      clearErrors(form);
      out.replaceChildren(section(t('support.profileOf', { id: nid }), supportProfile(p, canMoveOut ? { moveOut: moveOutControl(again) } : {})));
    } catch (err) {
      out.replaceChildren();
      if (err.status === 404) showErrors(form, Object.assign(err, { errors: [{ field: 'national_id', message: t('support.nobody') }] }));
      else showErrors(form, err);
    } finally {
      busy(btn, false);
    }
  });
  return form;
}

async function supportView({ user }) {
  const out = h('div', {});
  const parts = [lookupForm(out, hasRole(user, 'hrss_officer')), out];
  if (hasRole(user, 'hrss_officer')) {
    const ds = await districts();
    let bases = [];
    let basesErr = null;
    try { bases = (await get('/api/v1/incubation-bases')).items || []; } catch (err) { basesErr = err; }
    const myDistrict = user.district_code || '';
    const districtField = () => field({ name: 'district_code', label: t('app.district'), type: 'select', required: true, value: myDistrict, options: ds.map((d) => [d.code, d.name]) });
    parts.push(h('div', { class: 'columns' },
      recordForm('support.newTraining', '/api/v1/training-records', [
        field({ name: 'national_id', label: t('app.nationalId'), required: true, maxlength: 18 }),
        field({ name: 'name', label: t('app.name'), required: true }),
        field({ name: 'course', label: t('support.course'), type: 'select', required: true, options: COURSES.map((c) => [c, t(`course.${c}`)]) }),
        field({ name: 'institution', label: t('support.institution'), required: true }),
        field({ name: 'start_date', label: t('support.startDate'), type: 'date', required: true }),
        field({ name: 'end_date', label: t('support.endDate'), type: 'date', required: true }),
        field({ name: 'certificate_no', label: t('support.certificate'), required: true }),
        districtField(),
      ], (v) => ({ ...v, national_id: v.national_id.toUpperCase() })),
      recordForm('support.newTenancy', '/api/v1/incubation-records', [
        basesErr
          ? field({ name: 'base_id', label: t('support.base'), type: 'number', min: 1, required: true })
          : field({ name: 'base_id', label: t('support.base'), type: 'select', required: true,
            options: bases.map((b) => [b.id, `${b.name}（${label('level', b.level)} · ${nameOf(ds, b.district_code)}）`]) }),
        field({ name: 'national_id', label: t('app.nationalId'), required: true, maxlength: 18 }),
        field({ name: 'entity_name', label: t('support.entity'), required: true }),
        field({ name: 'move_in', label: t('support.moveIn'), type: 'date', required: true }),
        field({ name: 'move_out', label: t('support.moveOut'), type: 'date', hint: t('support.moveOutHint') }),
      ], (v) => {
        const body = { base_id: /^\d+$/.test(v.base_id) ? Number(v.base_id) : v.base_id, national_id: v.national_id.toUpperCase(), entity_name: v.entity_name, move_in: v.move_in };
        if (v.move_out) body.move_out = v.move_out;
        return body;
      }),
      recordForm('support.newService', '/api/v1/service-records', [
        field({ name: 'national_id', label: t('app.nationalId'), required: true, maxlength: 18 }),
        field({ name: 'kind', label: t('support.kind'), type: 'select', required: true, options: SERVICE_KINDS.map((k) => [k, t(`serviceKind.${k}`)]) }),
        field({ name: 'date', label: t('support.date'), type: 'date', required: true }),
        field({ name: 'notes', label: t('support.notes'), type: 'textarea', wide: true }),
      ], (v) => ({ ...v, national_id: v.national_id.toUpperCase() })),
      importForm('import.training', '/api/v1/training-records/import', 'import.trainingHint'),
      importForm('import.tenancies', '/api/v1/incubation-records/import', 'import.tenanciesHint')));
  }
  return page(t('nav.support'), h('p', { class: 'lead' }, t('support.lead')), ...parts);
}

export const routes = [{ pattern: /^\/support$/, view: supportView }];
