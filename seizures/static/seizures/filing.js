/* HS code suggestions while typing, on top of a form that works without this script. */
(function () {
  "use strict";
  var list = document.createElement("datalist");
  list.id = "hs-suggestions";
  document.body.appendChild(list);
  var timer = null;

  function suggest(input) {
    var term = input.value.replace(/[\s.]/g, "");
    if (term.length < 2) { return; }
    var url = "/api/v1/reference/hs-codes/?limit=15&search=" + encodeURIComponent(term);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (page) {
        list.textContent = "";
        (page.results || []).forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code;
          option.textContent = item.code + " " + (item.description || "");
          list.appendChild(option);
        });
      })
      .catch(function () { /* offline: typing still works */ });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.name || !/^lines-\d+-hs_code$/.test(input.name)) { return; }
    input.setAttribute("list", "hs-suggestions");
    clearTimeout(timer);
    timer = setTimeout(function () { suggest(input); }, 250);
  });
})();
