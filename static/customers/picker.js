// The customer picker's enhancement: search as you type (the API answers only customers in the
// user's scope), tap a row to fill the field. Without this file the fallback link still works.
(function () {
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var field = picker.querySelector("[data-picker-input]");
    var box = picker.querySelector("[data-picker-box]");
    var q = picker.querySelector("[data-picker-q]");
    var results = picker.querySelector("[data-picker-results]");
    var fallback = picker.querySelector("[data-picker-fallback]");
    if (!field || !box || !q || !results || !window.fetch) return;
    box.hidden = false;
    if (fallback) fallback.hidden = true;
    var timer = null;
    var asked = 0;
    function show(rows) {
      results.textContent = "";
      rows.forEach(function (row) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker__choice";
        button.dataset.custNo = row.cust_no;
        button.textContent = row.name + " · " + row.cust_no + (row.phone ? " · " + row.phone : "");
        button.addEventListener("click", function () {
          field.value = row.cust_no;
          results.textContent = "";
          q.value = row.name;
          field.dispatchEvent(new Event("change", {bubbles: true}));
        });
        item.appendChild(button);
        results.appendChild(item);
      });
      if (!rows.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = picker.dataset.empty || "没有找到客户";
        results.appendChild(none);
      }
    }
    q.addEventListener("input", function () {
      clearTimeout(timer);
      var text = q.value.trim();
      if (!text) { results.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        fetch(picker.dataset.api + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) { if (mine === asked) show(data.results || []); })
          .catch(function () {});
      }, 250);
    });
  });
})();
