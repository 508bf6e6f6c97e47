// Cell renders what a column's render function returns (text or a VNode).
export default {
  name: 'Cell',
  props: { node: { type: null, default: null } },
  setup(props) {
    return () => (props.node === null || props.node === undefined || props.node === '' ? '—' : props.node);
  },
};
