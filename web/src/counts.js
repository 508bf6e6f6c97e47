// Work-list counts for the navigation: the server's GET /api/v1/worklist
// when it has one, otherwise the totals of the lists that stand for them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { get } from './api.js';
import { useCaps } from './stores.js';
import { hasRole, STAGE } from './roles.js';

export const useCounts = defineStore('counts', () => {
  const counts = ref({});
  let seq = 0;

  async function total(path, q) {
    try {
      return (await get(path, { ...q, page: 1, page_size: 1 })).total;
    } catch {
      return undefined;
    }
  }

  async function refresh(user) {
    const mine = ++seq;
    const caps = useCaps();
    await caps.load();
    const out = {};
    if (caps.serves('GET /api/v1/worklist')) {
      try {
        for (const it of (await get('/api/v1/worklist')).items || []) out[it.key] = it.count;
      } catch {
        // counts are a convenience: the pages work without them
      }
    } else {
      for (const [role, stage] of Object.entries(STAGE)) if (hasRole(user, role)) out[stage] = await total('/api/v1/applications', { status: stage });
      if (hasRole(user, 'bank_officer')) out.approved = await total('/api/v1/applications', { status: 'approved' });
      if (hasRole(user, 'guarantee_officer')) out.loans_overdue = await total('/api/v1/loans', { status: 'overdue' });
      if (hasRole(user, 'entrepreneur')) out.returned = await total('/api/v1/applications', { status: 'returned' });
    }
    if (mine === seq) counts.value = out;
  }

  function clear() { counts.value = {}; }
  return { counts, refresh, clear };
});
